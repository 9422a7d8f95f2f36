import { describe, expect, it } from 'vitest';
import { normalSurvival } from './normal.js';
import { coefficientOfVariation, madOverMedian } from './spread.js';

describe('spread', () => {
  it('coefficient of variation uses the sample standard deviation', () => {
    // mean 5, sample variance 32/7 (numpy: np.std([2,4,4,4,5,5,7,9], ddof=1) = 2.138089935299395).
    expect(coefficientOfVariation([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138089935299395 / 5, 12);
    expect(coefficientOfVariation([3])).toBeNaN();
  });

  it('MAD over median ignores one wild run', () => {
    // median 10; absolute deviations 0,1,1,2,2,3,90 → MAD 2 → 20 % (the CV is over 140 %).
    expect(madOverMedian([10, 9, 11, 8, 12, 7, 100])).toBeCloseTo(0.2, 12);
    expect(coefficientOfVariation([10, 9, 11, 8, 12, 7, 100])).toBeGreaterThan(1.4);
    expect(madOverMedian([0, 0, 0])).toBeNaN();
  });
});

describe('normalSurvival', () => {
  // scipy 1.17.1: scipy.stats.norm.sf(z).
  it.each([
    [-2, 0.9772498680518208],
    [0, 0.5],
    [0.5, 0.3085375387259869],
    [1.3, 0.09680048458561036],
    [2.5, 0.006209665325776132],
    [3.1, 0.0009676032132183563],
    [4.75, 1.0170832425687032e-6],
    [6, 9.865876450376946e-10],
    [8.2, 1.2019351542735735e-16],
  ])('P(Z > %d) = %d', (z, want) => {
    expect(normalSurvival(z) / want).toBeCloseTo(1, 12);
  });
});
