/**
 * The start pacer: more boots at once while starts are quick, half as many after a slow
 * one, never more than its limit at once, and a queue that drains as slots free up.
 */
import { describe, expect, it } from 'vitest';
import { StartPacer } from './start-pacer.js';

/** A start the test finishes by hand, at a time it sets on a fake clock. */
function gate(): { promise: Promise<void>; open(): void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('StartPacer', () => {
  it('never runs more than its limit at once, and grows by one per quick start', async () => {
    let t = 0;
    const pacer = new StartPacer({ initial: 2, max: 4, quickMs: 1000, slowMs: 5000, now: () => t });
    const gates = Array.from({ length: 6 }, gate);
    let peak = 0;
    const runs = gates.map((g) =>
      pacer.run(async () => {
        peak = Math.max(peak, pacer.active);
        await g.promise;
      }),
    );
    await flush();
    expect(pacer.active).toBe(2);
    t = 100;
    gates[0]!.open();
    await flush();
    // One quick start: the limit is 3, so two more run in place of the one that finished.
    expect(pacer.limit).toBe(3);
    expect(pacer.active).toBe(3);
    for (const g of gates) g.open();
    await Promise.all(runs);
    expect(peak).toBeLessThanOrEqual(4);
    expect(pacer.limit).toBe(4);
  });

  it('halves the limit after a slow start, once for the starts that were booting together', async () => {
    let t = 0;
    const pacer = new StartPacer({ initial: 8, max: 8, quickMs: 1000, slowMs: 5000, now: () => t });
    const gates = Array.from({ length: 8 }, gate);
    const runs = gates.map((g) => pacer.run(() => g.promise));
    await flush();
    t = 6000;
    for (const g of gates) g.open();
    await Promise.all(runs);
    expect(pacer.limit).toBe(4);
    // A slow start launched after the cut cuts again.
    await pacer.run(async () => {
      t += 6000;
    });
    expect(pacer.limit).toBe(2);
  });

  it('counts a failed start as slow and passes its error on', async () => {
    const pacer = new StartPacer({ initial: 4, max: 8, quickMs: 1000, slowMs: 5000, now: () => 0 });
    await expect(pacer.run(() => Promise.reject(new Error('no ready line')))).rejects.toThrow('no ready line');
    expect(pacer.limit).toBe(2);
  });
});
