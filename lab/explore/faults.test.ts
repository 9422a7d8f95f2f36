import { describe, expect, it } from 'vitest';
import { seededRandom } from '../scenario/random.js';
import { drawFaults, FAULT_KINDS, type FaultWindow } from './faults.js';

const WINDOW: FaultWindow = { loadIndex: 2, durationMs: 10_000, fleet: 5, up: [0, 1, 2, 4] };

describe('drawFaults', () => {
  it('draws the same schedule from the same seed, each fault inside the window, on peers that are up, never two at once on a peer', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const faults = drawFaults(seededRandom(seed), FAULT_KINDS, WINDOW);
      expect(drawFaults(seededRandom(seed), FAULT_KINDS, WINDOW)).toEqual(faults);
      for (const f of faults) {
        expect(f.atMs + f.forMs).toBeLessThanOrEqual(WINDOW.durationMs);
        if (f.kind === 'partition') expect(f.peers.length).toBeLessThanOrEqual(2);
        else expect(WINDOW.up).toContain(f.peers[0]);
      }
      const perPeer = faults.filter((f) => f.kind !== 'partition');
      for (const a of perPeer) {
        for (const b of perPeer) {
          if (a !== b && a.peers[0] === b.peers[0]) expect(a.atMs > b.atMs + b.forMs || b.atMs > a.atMs + a.forMs).toBe(true);
        }
      }
    }
  });

  it('draws only the kinds asked for', () => {
    const kinds = new Set(Array.from({ length: 50 }, (_, s) => drawFaults(seededRandom(s), ['pause', 'loss'], WINDOW)).flat().map((f) => f.kind));
    expect([...kinds].sort()).toEqual(['loss', 'pause']);
  });
});
