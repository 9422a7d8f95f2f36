import { describe, expect, it } from 'vitest';
import { seededRandom } from '../scenario/random.js';
import { median, medianConfidenceInterval } from './median.js';

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toBe(5.5); // numeric, not string, order
    expect(median([])).toBeNaN();
  });
});

describe('medianConfidenceInterval', () => {
  // Coverage of [x(k), x(n+1−k)] is 1 − 2·P(B < k), B ~ Binomial(n, ½); binomial CDF values
  // from scipy 1.17.1 scipy.stats.binom.cdf: cdf(1, 10, .5) = 0.0107421875, cdf(2, 10, .5) = 0.0546875,
  // cdf(0, 5, .5) = 0.03125.
  it('uses the order statistics whose binomial coverage reaches 95 %', () => {
    const values = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    // k = 2 covers 1 − 2·0.0107 = 97.9 %; k = 3 would cover only 1 − 2·0.0547 = 89.1 %.
    const ci = medianConfidenceInterval(values);
    expect(ci).toMatchObject({ low: 2, high: 9 });
    expect(ci.confidence).toBeCloseTo(1 - 2 * 0.0107421875, 12);
  });

  it('with fewer than 6 values gives [min, max] and the confidence it really has', () => {
    const ci = medianConfidenceInterval([5, 3, 4, 1, 2]);
    expect(ci).toMatchObject({ low: 1, high: 5 });
    expect(ci.confidence).toBeCloseTo(1 - 2 * 0.03125, 12); // 93.75 %, short of 95 %
    expect(medianConfidenceInterval([7])).toEqual({ low: 7, high: 7, confidence: 0 });
  });

  it('covers the true median about as often as it says (seeded simulation)', () => {
    const random = seededRandom(11);
    let covered = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      // Exponential values: skewed, true median ln 2.
      const values = Array.from({ length: 12 }, () => -Math.log(1 - random()));
      const ci = medianConfidenceInterval(values);
      if (ci.low <= Math.LN2 && Math.LN2 <= ci.high) covered++;
    }
    // n = 12 → k = 3, coverage 1 − 2·P(B ≤ 2) = 96.1 %; the count's sd over 2000 trials is ~0.4 %.
    expect(covered / trials).toBeGreaterThan(0.945);
    expect(covered / trials).toBeLessThan(0.975);
  });

  it('refuses what it cannot answer', () => {
    expect(() => medianConfidenceInterval([])).toThrow(/no values/);
    expect(() => medianConfidenceInterval([1, 2], 1.5)).toThrow(/confidence must be between 0 and 1, got 1.5/);
  });
});
