import { describe, expect, it } from 'vitest';
import { seededRandom } from '../scenario/random.js';
import { arrivalCount, arrivalTime, fillerText, pickPair } from './arrivals.js';

describe('open-model arrivals', () => {
  it('schedules exactly rate × duration arrivals at fixed times from the step start', () => {
    expect(arrivalCount(20, 1, 10_000)).toBe(200);
    expect(arrivalCount(3, 1, 1_000)).toBe(3);
    expect(arrivalCount(3, 1, 1_001)).toBe(4);
    expect([0, 1, 2, 199].map((n) => arrivalTime(500, 20, 1, n))).toEqual([500, 550, 600, 500 + 199 * 50]);
  });

  it('staggers pairs inside each period, each pair at its own rate', () => {
    expect(arrivalCount(10, 2, 1_000)).toBe(20);
    const times = Array.from({ length: 6 }, (_, n) => arrivalTime(0, 10, 2, n));
    expect(times).toEqual([0, 50, 100, 150, 200, 250]);
    // Pair 0 is every even arrival: still 10/s.
    expect(arrivalTime(0, 10, 2, 2) - arrivalTime(0, 10, 2, 0)).toBe(100);
  });

  it('picks a sender and a different recipient, the same ones for the same seed', () => {
    const peers = ['p0', 'p1', 'p2', 'p3'];
    const draw = (seed: number) => {
      const r = seededRandom(seed);
      return Array.from({ length: 50 }, () => pickPair(peers, r(), r()));
    };
    const picks = draw(42);
    expect(picks).toEqual(draw(42));
    for (const pair of picks) expect(pair![0]).not.toBe(pair![1]);
    expect(new Set(picks.map((p) => p!.join('>'))).size).toBeGreaterThan(8);
    expect(pickPair(['p0'], 0.5, 0.5)).toBeUndefined();
    expect(pickPair(['a', 'b'], 0.99, 0.99)).toEqual(['b', 'a']);
  });

  it('fills message text to exactly the size asked', () => {
    for (const size of [1, 13, 256, 4096]) expect(Buffer.byteLength(fillerText(size))).toBe(size);
  });
});
