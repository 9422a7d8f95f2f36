import { ascending, median, type ConfidenceInterval } from './median.js';
import { normalSurvival } from './normal.js';
import { atMost, EXACT_LIMIT, uDistribution } from './rank-sum-distribution.js';

/** A location shift between two samples with its confidence interval. */
export interface ShiftInterval extends ConfidenceInterval {
  /** Hodges–Lehmann estimate: the median of every difference nextⱼ − baseᵢ. */
  estimate: number;
}

/**
 * The distribution-free confidence interval for the shift from `base` to `next` that goes
 * with the Mann–Whitney test (Hodges–Lehmann / Bauer, as R's wilcox.test(conf.int = TRUE)):
 * [D(k), D(mn+1−k)] of the m·n sorted differences nextⱼ − baseᵢ, with the largest k such
 * that P(U ≤ k−1) ≤ (1 − confidence)/2 under the no-ties null distribution (exact up to 50
 * values, normal above). The interval holds the shifts that the two-sided test would not
 * reject, so it leaves out 0 about when the test says significant. When the samples are
 * too small for the confidence asked (3 against 3 reach 90 %), the interval is the widest
 * one, [min D, max D], and `confidence` says what it really is. Values must be finite.
 */
export function shiftConfidenceInterval(base: readonly number[], next: readonly number[], confidence = 0.95): ShiftInterval {
  if (base.length === 0 || next.length === 0) throw new RangeError('shiftConfidenceInterval: both samples need values');
  if (![...base, ...next].every(Number.isFinite)) throw new RangeError('shiftConfidenceInterval: values must be finite');
  const m = base.length;
  const n = next.length;
  const diffs = ascending(next.flatMap((y) => base.map((x) => y - x)));
  const lowerTail = tailBelow(m, n);
  // The widest interval is k = 1; grow k while the next one still has the coverage asked for.
  let k = 1;
  while (2 * (k + 1) <= m * n + 1 && lowerTail(k + 1) <= (1 - confidence) / 2) k++;
  return { low: diffs[k - 1]!, high: diffs[m * n - k]!, confidence: Math.max(0, 1 - 2 * lowerTail(k)), estimate: median(diffs) };
}

/** P(U ≤ k − 1) for samples of m and n without ties, as a function of k. */
function tailBelow(m: number, n: number): (k: number) => number {
  if (m + n <= EXACT_LIMIT) {
    const dist = uDistribution(m, n, new Array<number>(m + n).fill(1));
    return (k) => atMost(dist, k - 1);
  }
  const mean = (m * n) / 2;
  const sd = Math.sqrt((m * n * (m + n + 1)) / 12);
  return (k) => normalSurvival((mean - (k - 1) - 0.5) / sd);
}
