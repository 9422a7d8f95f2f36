import { normalSurvival } from './normal.js';
import { atLeast, atMost, EXACT_LIMIT, smallestTail, uDistribution } from './rank-sum-distribution.js';

/** The result of a Mann–Whitney U test of sample a against sample b. */
export interface MannWhitneyResult {
  /** U of a: pairs (aᵢ, bⱼ) with aᵢ > bⱼ, ties counting ½ (scipy's U1). */
  u: number;
  /** Two-sided p-value: how often U would be at least this far from n₁n₂/2 if a and b came from one distribution. */
  p: number;
  /** One-sided p for "a tends to be greater than b". */
  pGreater: number;
  /** One-sided p for "a tends to be less than b". */
  pLess: number;
  /** The smallest one-sided p-value any split of these pooled values could give (1 when every value is equal). */
  smallestPossibleP: number;
  method: 'exact' | 'normal';
}

export interface MannWhitneyOptions {
  /** 'auto' (the default): exact up to 50 values in all, the normal approximation above. */
  method?: 'auto' | 'exact' | 'normal';
}

/**
 * The Mann–Whitney U test (Wilcoxon rank-sum), two-sided, as benchstat uses on per-run
 * values. Exact for small samples (the permutation distribution, conditional on ties, so
 * ties need no approximation); above 50 values in all, the normal approximation with tie
 * correction and continuity correction (scipy's `method='asymptotic'`). NaN is refused;
 * ±Infinity is allowed and ranks as the most extreme value.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[], { method = 'auto' }: MannWhitneyOptions = {}): MannWhitneyResult {
  if (a.length === 0 || b.length === 0) throw new RangeError(`mannWhitneyU: both samples need values (got ${a.length} and ${b.length})`);
  if ([...a, ...b].some(Number.isNaN)) throw new RangeError('mannWhitneyU: NaN in a sample');
  const n1 = a.length;
  const n2 = b.length;
  const { rankSumA, tieGroups } = rankA(a, b);
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const exact = method === 'exact' || (method === 'auto' && n1 + n2 <= EXACT_LIMIT);
  if (exact) {
    const dist = uDistribution(n1, n2, tieGroups);
    const pGreater = atLeast(dist, u);
    const pLess = atMost(dist, u);
    return { u, p: Math.min(1, 2 * Math.min(pGreater, pLess)), pGreater, pLess, smallestPossibleP: smallestTail(dist), method: 'exact' };
  }
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const tieTerm = tieGroups.reduce((s, t) => s + t ** 3 - t, 0);
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sd === 0) return { u, p: 1, pGreater: 1, pLess: 1, smallestPossibleP: 1, method: 'normal' };
  const tail = (stat: number) => normalSurvival((stat - mean - 0.5) / sd);
  const pGreater = tail(u);
  const pLess = tail(n1 * n2 - u);
  const uMax = maxU(n1, tieGroups);
  return { u, p: Math.min(1, 2 * Math.min(pGreater, pLess)), pGreater, pLess, smallestPossibleP: tail(uMax), method: 'normal' };
}

/** a's rank sum in the pooled sample (midranks for ties) and the tie-group sizes in value order. */
function rankA(a: readonly number[], b: readonly number[]): { rankSumA: number; tieGroups: number[] } {
  const pooled = [...a.map((v) => ({ v, inA: true })), ...b.map((v) => ({ v, inA: false }))].sort((x, y) => compare(x.v, y.v));
  let rankSumA = 0;
  const tieGroups: number[] = [];
  for (let i = 0; i < pooled.length; ) {
    let j = i;
    while (j + 1 < pooled.length && compare(pooled[j + 1]!.v, pooled[i]!.v) === 0) j++;
    const midrank = (i + 1 + j + 1) / 2;
    for (let k = i; k <= j; k++) if (pooled[k]!.inA) rankSumA += midrank;
    tieGroups.push(j - i + 1);
    i = j + 1;
  }
  return { rankSumA, tieGroups };
}

/** Orders numbers, with equal infinities equal (Infinity − Infinity is NaN). */
function compare(x: number, y: number): number {
  return x === y ? 0 : x < y ? -1 : 1;
}

/** The largest U the first sample can have: it takes the n1 largest pooled values. */
function maxU(n1: number, tieGroups: readonly number[]): number {
  let remaining = n1;
  let rankSum = 0;
  let end = tieGroups.reduce((s, t) => s + t, 0);
  for (let g = tieGroups.length - 1; g >= 0 && remaining > 0; g--) {
    const t = tieGroups[g]!;
    const take = Math.min(t, remaining);
    rankSum += take * (end - t + 1 + end) / 2;
    remaining -= take;
    end -= t;
  }
  return rankSum - (n1 * (n1 + 1)) / 2;
}
