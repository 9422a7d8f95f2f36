import { describe, expect, it } from 'vitest';
import type { Fault } from './faults.js';
import { shrinkFaults } from './shrink.js';

const fault = (peer: number, forMs = 0): Fault => ({ kind: forMs > 0 ? 'kill' : 'restart', atMs: peer * 100, forMs, peers: [peer] });

describe('shrinkFaults', () => {
  it('keeps only the faults the violation needs, and shortens what it can', async () => {
    const faults = [fault(0), fault(1, 3000), fault(2), fault(3), fault(4), fault(5, 2000)];
    // The "bug" needs p1 down for at least 400 ms and p4 bounced.
    const violates = async (c: Fault[]) => c.some((f) => f.peers[0] === 1 && f.forMs >= 400) && c.some((f) => f.peers[0] === 4);
    const { faults: shrunk, tries } = await shrinkFaults(faults, violates, 100);
    expect(shrunk.map((f) => f.peers[0])).toEqual([1, 4]);
    expect(shrunk[0]!.forMs).toBeLessThan(800);
    expect(shrunk[0]!.forMs).toBeGreaterThanOrEqual(400);
    expect(tries).toBeLessThan(100);
  });

  it('gives no faults when the run violates without any, and stops at its budget', async () => {
    expect((await shrinkFaults([fault(0), fault(1)], async () => true, 10)).faults).toEqual([]);
    const calls: number[] = [];
    const { faults, tries } = await shrinkFaults([fault(0), fault(1), fault(2), fault(3)], async (c) => (calls.push(c.length), false), 3);
    expect(tries).toBe(3);
    expect(calls).toHaveLength(3);
    expect(faults).toHaveLength(4);
  });
});
