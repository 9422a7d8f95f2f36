/** Holm–Bonferroni's decision for a family of p-values. */
export interface HolmResult {
  /** In input order: whether each hypothesis is rejected (the effect is significant). */
  rejected: boolean[];
  /** In input order: Holm-adjusted p-values (reject exactly when adjusted ≤ alpha). */
  adjusted: number[];
}

/**
 * Holm–Bonferroni step-down: sorted ascending, the i-th smallest p (from 0) is compared
 * with alpha / (m − i), stopping at the first that fails. The chance of any false
 * rejection in the family stays at most alpha, whatever the dependence between tests,
 * and it never rejects less than plain Bonferroni.
 */
export function holmBonferroni(pValues: readonly number[], alpha = 0.05): HolmResult {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`holmBonferroni: alpha must be between 0 and 1, got ${alpha}`);
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const adjusted = new Array<number>(m).fill(1);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return { rejected: adjusted.map((p) => p <= alpha), adjusted };
}
