import { median } from './median.js';

/** Sample standard deviation (n − 1) over the mean; NaN with fewer than 2 values or a zero mean. */
export function coefficientOfVariation(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (mean === 0) return Number.NaN;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return Math.sqrt(variance) / Math.abs(mean);
}

/**
 * Median absolute deviation over the median (unscaled): the robust counterpart of the
 * coefficient of variation, which one odd run cannot inflate. For normal data it is about
 * 0.67 × CV. NaN when empty or the median is 0.
 */
export function madOverMedian(values: readonly number[]): number {
  const mid = median(values);
  if (values.length === 0 || mid === 0) return Number.NaN;
  return median(values.map((v) => Math.abs(v - mid))) / Math.abs(mid);
}
