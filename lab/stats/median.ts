/** The median of `values` (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = ascending(values);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A confidence interval and the confidence it really has (see medianConfidenceInterval). */
export interface ConfidenceInterval {
  low: number;
  high: number;
  /** The coverage this interval really has: at least the one asked for, or less when the sample is too small. */
  confidence: number;
}

/**
 * A distribution-free confidence interval for the median from order statistics (as
 * benchstat does): [x(k), x(n+1−k)] with the largest k whose coverage,
 * 1 − 2·P(Binomial(n, ½) < k), is at least `confidence`. Coverage depends only on n, not on
 * the distribution. With fewer than 6 values even [min, max] covers the median with less
 * than 95 % (1 − 2·½ⁿ: 94 % at n = 5, 75 % at n = 3): the interval is then [min, max] and
 * `confidence` says what it really is.
 */
export function medianConfidenceInterval(values: readonly number[], confidence = 0.95): ConfidenceInterval {
  if (values.length === 0) throw new RangeError('medianConfidenceInterval: no values');
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`medianConfidenceInterval: confidence must be between 0 and 1, got ${confidence}`);
  const sorted = ascending(values);
  const n = sorted.length;
  // below[k] = P(Binomial(n, ½) <= k), built term by term.
  let pmf = 0.5 ** n;
  let cdfBelowK = 0; // P(B < k) for the current k
  let best = { k: 1, coverage: 1 - 2 * pmf };
  for (let k = 1; 2 * k <= n + 1; k++) {
    cdfBelowK += pmf; // now P(B <= k−1) = P(B < k)
    const coverage = 1 - 2 * cdfBelowK;
    if (k === 1) best = { k, coverage };
    else if (coverage >= confidence) best = { k, coverage };
    else break;
    pmf = (pmf * (n - (k - 1))) / k; // P(B = k) from P(B = k−1)
  }
  return { low: sorted[best.k - 1]!, high: sorted[n - best.k]!, confidence: Math.max(0, best.coverage) };
}

/** A sorted copy (numbers ascending, not the default string order). */
export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}
