/**
 * The exact null distribution of a Mann–Whitney sample's U, conditional on the pooled
 * values' ties: every way of choosing which n1 of the N pooled values belong to the first
 * sample is equally likely. Counted by dynamic programming over the tie groups (choose j of
 * a group's t values: C(t, j) ways, adding j times the group's midrank), so ties are exact
 * rather than approximated. Counts stay exact in doubles while C(N, n1) < 2^53, which
 * N ≤ 50 guarantees.
 */
export interface UDistribution {
  /** P(U = u/2) at index u: U moves in steps of ½ when there are ties. */
  pmfOfDoubledU: Float64Array;
}

/** Largest pooled size counted exactly (C(50, 25) ≈ 1.3e14 < 2^53). */
export const EXACT_LIMIT = 50;

const noTies = new Map<string, UDistribution>();

/** The distribution of the first sample's U for samples of n1 and n2 with these tie-group sizes (in value order). */
export function uDistribution(n1: number, n2: number, tieGroups: readonly number[]): UDistribution {
  const n = n1 + n2;
  if (n > EXACT_LIMIT) throw new RangeError(`exact Mann–Whitney needs at most ${EXACT_LIMIT} values, got ${n}`);
  const untied = tieGroups.every((t) => t === 1);
  const key = `${n1},${n2}`;
  if (untied) {
    const cached = noTies.get(key);
    if (cached) return cached;
  }
  const dist = count(n1, n, tieGroups);
  if (untied) noTies.set(key, dist);
  return dist;
}

function count(n1: number, n: number, tieGroups: readonly number[]): UDistribution {
  // ways[k][s]: ways to pick k values whose doubled midranks sum to s.
  const maxSum = 2 * n * n1;
  let ways = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
  ways[0]![0] = 1;
  let start = 1;
  for (const t of tieGroups) {
    const doubledRank = start + (start + t - 1); // 2 × the midrank of ranks start..start+t−1
    const next = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
    for (let k = 0; k <= n1; k++) {
      const row = ways[k]!;
      for (let s = 0; s <= maxSum; s++) {
        const w = row[s]!;
        if (w === 0) continue;
        let choose = 1; // C(t, j)
        for (let j = 0; j <= t && k + j <= n1; j++) {
          next[k + j]![s + j * doubledRank]! += w * choose;
          choose = (choose * (t - j)) / (j + 1);
        }
      }
    }
    ways = next;
    start += t;
  }
  const total = ways[n1]!.reduce((a, b) => a + b, 0);
  // Doubled U = doubled rank sum − n1(n1+1).
  const offset = n1 * (n1 + 1);
  const pmf = new Float64Array(2 * n1 * (n - n1) + 1);
  ways[n1]!.forEach((w, s) => {
    if (w > 0) pmf[s - offset] = w / total;
  });
  return { pmfOfDoubledU: pmf };
}

/** P(U ≥ u) under the distribution. */
export function atLeast(dist: UDistribution, u: number): number {
  const from = Math.ceil(2 * u - 1e-9);
  let p = 0;
  for (let i = Math.max(0, from); i < dist.pmfOfDoubledU.length; i++) p += dist.pmfOfDoubledU[i]!;
  return Math.min(1, p);
}

/** P(U ≤ u) under the distribution. */
export function atMost(dist: UDistribution, u: number): number {
  const to = Math.floor(2 * u + 1e-9);
  let p = 0;
  for (let i = 0; i <= Math.min(to, dist.pmfOfDoubledU.length - 1); i++) p += dist.pmfOfDoubledU[i]!;
  return Math.min(1, p);
}

/** P(U = its largest possible value): the smallest one-sided p-value these pooled values allow. */
export function smallestTail(dist: UDistribution): number {
  const pmf = dist.pmfOfDoubledU;
  for (let i = pmf.length - 1; i >= 0; i--) if (pmf[i]! > 0) return pmf[i]!;
  return 1;
}
