import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../scenario/random.js';
import { Egress, seedOf } from './egress.js';

describe('Egress', () => {
  it('adds nothing until shaped, then delay ± jitter, never less than delay − jitter', () => {
    const egress = new Egress(seededRandom(1));
    expect(egress.isPlain).toBe(true);
    expect(egress.fate(100, 50)).toEqual({ at: 50, lost: false });
    egress.setShape({ delayMs: 20, jitterMs: 5, loss: 0 });
    expect(egress.isPlain).toBe(false);
    const waits = Array.from({ length: 1000 }, (_, i) => egress.fate(100, i).at - i);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(15);
    expect(Math.max(...waits)).toBeLessThanOrEqual(25);
    // Uniform: both halves of the range are used.
    expect(waits.some((w) => w < 18)).toBe(true);
    expect(waits.some((w) => w > 22)).toBe(true);
  });

  it('loses about the loss fraction, the same ones for the same seed', () => {
    const draw = () => {
      const egress = new Egress(seededRandom(seedOf('p3')));
      egress.setShape({ delayMs: 0, jitterMs: 0, loss: 0.05 });
      return Array.from({ length: 4000 }, (_, i) => egress.fate(10, i).lost);
    };
    const lost = draw();
    const count = lost.filter(Boolean).length;
    expect(count).toBeGreaterThan(120);
    expect(count).toBeLessThan(280);
    expect(draw()).toEqual(lost);
  });

  it('holds chunks to the bandwidth after a burst of 10 ms (at least one MTU), shared by every chunk it sends', () => {
    const egress = new Egress(seededRandom(1));
    egress.setShape({ delayMs: 0, jitterMs: 0, loss: 0, bandwidthBps: 800_000 }); // 100 bytes/ms, burst 1500 bytes
    expect(egress.fate(1500, 0).at).toBe(0);
    // The bucket is empty: 1000 more bytes need 10 ms, the next 1000 another 10.
    expect(egress.fate(1000, 0).at).toBeCloseTo(10);
    expect(egress.fate(1000, 0).at).toBeCloseTo(20);
    // Idle long enough, the bucket refills (to its burst, no more).
    expect(egress.fate(1500, 1000).at).toBe(1000);
    expect(egress.fate(100, 1000).at).toBeCloseTo(1001);
  });

  it('adds the delay after the rate limit', () => {
    const egress = new Egress(seededRandom(1));
    egress.setShape({ delayMs: 5, jitterMs: 0, loss: 0, bandwidthBps: 800_000 });
    expect(egress.fate(1500, 0).at).toBe(5);
    expect(egress.fate(500, 0).at).toBeCloseTo(10);
    egress.setShape({ delayMs: 0, jitterMs: 0, loss: 0 });
    expect(egress.isPlain).toBe(true);
  });
});
