import { describe, expect, it } from 'vitest';
import { seededRandom } from '../scenario/random.js';
import { shiftConfidenceInterval } from './shift-interval.js';
import { standardNormal } from './standard-normal.js';

describe('shiftConfidenceInterval', () => {
  it('takes the k-th smallest and largest pairwise differences (5 against 5: k = 3)', () => {
    // Exact null of U for 5 vs 5 (C(10,5) = 252 splits): P(U ≤ 2) = 4/252 = .0159 ≤ .025 < P(U ≤ 3) = 7/252,
    // so k − 1 = 2: the 3rd smallest and 3rd largest of the 25 differences, coverage 1 − 2·4/252 = 96.8 %.
    const base = [0, 1, 2, 3, 4];
    const next = [10, 20, 30, 40, 50];
    const diffs = next.flatMap((y) => base.map((x) => y - x)).sort((a, b) => a - b);
    const ci = shiftConfidenceInterval(base, next);
    expect(ci.low).toBe(diffs[2]);
    expect(ci.high).toBe(diffs[22]);
    expect(ci.confidence).toBeCloseTo(1 - 8 / 252, 12);
    expect(ci.estimate).toBe(diffs[12]);
  });

  it('with 3 against 3 gives the widest interval and its real confidence (90 %)', () => {
    const ci = shiftConfidenceInterval([1, 2, 3], [11, 12, 13]);
    expect(ci).toMatchObject({ low: 8, high: 12 });
    expect(ci.confidence).toBeCloseTo(0.9, 12);
  });

  it('covers a known shift about as often as it says (seeded simulation)', () => {
    const normal = standardNormal(seededRandom(5));
    let covered = 0;
    let confidence = 0;
    const trials = 1000;
    for (let t = 0; t < trials; t++) {
      const base = Array.from({ length: 8 }, () => 100 + 5 * normal());
      const next = Array.from({ length: 8 }, () => 107 + 5 * normal());
      const ci = shiftConfidenceInterval(base, next);
      confidence = ci.confidence;
      if (ci.low <= 7 && 7 <= ci.high) covered++;
    }
    expect(confidence).toBeGreaterThanOrEqual(0.95);
    expect(covered / trials).toBeGreaterThan(confidence - 0.025);
  });

  it('refuses non-finite values', () => {
    expect(() => shiftConfidenceInterval([1, Infinity], [2, 3])).toThrow(/finite/);
  });
});
