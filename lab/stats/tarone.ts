/**
 * Which hypotheses of a family of discrete tests are worth testing (Tarone 1990): a test
 * whose smallest possible p-value exceeds alpha/K can never reject at the Bonferroni level
 * of a family of K, so it only dilutes the others. K is the smallest k with at most k
 * tests able to reach alpha/k; those tests form the family. For permutation tests the
 * smallest possible p depends only on the pooled values, not on which sample holds which,
 * so choosing the family this way keeps the family-wise error rate at alpha.
 * Returns, in input order, whether each test is in the family, and K.
 */
export function taroneFamily(smallestPossibleP: readonly number[], alpha = 0.05): { members: boolean[]; k: number } {
  const m = smallestPossibleP.length;
  for (let k = 1; k <= m; k++) {
    const members = smallestPossibleP.map((p) => p <= alpha / k);
    if (members.filter(Boolean).length <= k) return { members, k };
  }
  return { members: [], k: 0 };
}
