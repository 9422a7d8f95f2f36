import { describe, expect, it } from 'vitest';
import { seededRandom } from '../scenario/random.js';
import { mannWhitneyU } from './mann-whitney.js';

// Expected values computed with scipy 1.17.1:
//   scipy.stats.mannwhitneyu(a, b, method=M, alternative=A)
// .statistic is U of the first sample; `p` is alternative='two-sided', pGreater 'greater', pLess 'less'.
const EXACT = [
  { a: [1.1, 2.3, 3.2], b: [4.5, 5.1, 6.7], u: 0, p: 0.1, pGreater: 1, pLess: 0.05 },
  { a: [7.1, 7.4, 6.9, 7.3, 7.0], b: [7.2, 7.8, 7.9, 8.1, 7.5], u: 2, p: 0.031746031746031744, pGreater: 0.9920634920634921, pLess: 0.015873015873015872 },
  { a: [12.1, 11.4, 13.9, 12.7, 10.8, 12.2, 11.9], b: [13.2, 12.9, 14.4, 12.5, 13.8], u: 5, p: 0.04797979797979798, pGreater: 0.9848484848484849, pLess: 0.02398989898989899 },
  {
    a: [9.8, 10.4, 10.1, 9.6, 10.9, 10.3, 9.9, 10.0, 10.6, 10.2],
    b: [10.7, 11.2, 10.5, 11.0, 11.9, 10.8, 11.4, 11.1, 9.7, 11.6],
    u: 13, p: 0.003886206672584382, pGreater: 0.9985602632661456, pLess: 0.001943103336292191,
  },
];

// method='asymptotic' (normal approximation, tie correction, continuity correction).
const NORMAL_WITH_TIES = [
  { a: [1, 2, 2, 3, 3, 3, 4], b: [2, 3, 4, 4, 5, 5], u: 8.5, p: 0.07826242947714618, pGreater: 0.9717782889227976, pLess: 0.03913121473857309 },
  { a: [0.5, 0.5, 0.7, 0.9, 1.0, 1.0], b: [0.7, 0.9, 0.9, 1.2, 1.2, 1.5, 1.5], u: 8.5, p: 0.08258503935724017, pGreater: 0.9699825194257627, pLess: 0.041292519678620083 },
];

// 58 values (above the exact limit): 'auto' falls back to the normal approximation; one tie (9.07).
const LARGE = {
  a: [10.001, 10.299, 9.726, 9.109, 9.545, 9.008, 10.06, 11.34, 9.508, 9.38, 10.49, 10.357, 10.105, 9.07, 9.971, 10.695, 8.656, 9.542, 8.099, 8.71, 8.158, 9.765, 8.733, 10.271, 10.157, 9.813, 7.483, 9.461, 9.951, 10.113],
  b: [9.07, 10.122, 9.621, 9.791, 11.661, 9.792, 10.567, 11.484, 10.016, 10.488, 10.71, 10.664, 9.375, 10.676, 11.959, 9.053, 11.459, 10.719, 9.959, 12.6, 11.362, 9.401, 10.675, 11.177, 10.411, 11.283, 10.533, 11.267],
  u: 180.5,
  p: 0.00019999016070710188,
};

describe('mannWhitneyU', () => {
  it.each(EXACT)('matches scipy exact for $a.length vs $b.length values', ({ a, b, ...want }) => {
    const got = mannWhitneyU(a, b);
    expect(got.method).toBe('exact');
    expect(got.u).toBe(want.u);
    expect(got.p).toBeCloseTo(want.p, 12);
    expect(got.pGreater).toBeCloseTo(want.pGreater, 12);
    expect(got.pLess).toBeCloseTo(want.pLess, 12);
  });

  it.each(NORMAL_WITH_TIES)('matches scipy asymptotic with ties ($a)', ({ a, b, ...want }) => {
    const got = mannWhitneyU(a, b, { method: 'normal' });
    expect(got.u).toBe(want.u);
    expect(got.p / want.p).toBeCloseTo(1, 10);
    expect(got.pGreater / want.pGreater).toBeCloseTo(1, 10);
    expect(got.pLess / want.pLess).toBeCloseTo(1, 10);
  });

  it('uses the normal approximation above 50 values', () => {
    const got = mannWhitneyU(LARGE.a, LARGE.b);
    expect(got).toMatchObject({ method: 'normal', u: LARGE.u });
    expect(got.p / LARGE.p).toBeCloseTo(1, 10);
  });

  it('is exact with ties: the same p as counting every split of the pooled values', () => {
    const random = seededRandom(3);
    for (let trial = 0; trial < 20; trial++) {
      // Few distinct values, so ties are everywhere.
      const a = Array.from({ length: 2 + Math.floor(random() * 5) }, () => Math.floor(random() * 4));
      const b = Array.from({ length: 2 + Math.floor(random() * 5) }, () => Math.floor(random() * 4));
      const got = mannWhitneyU(a, b);
      const want = bruteForce(a, b);
      expect(got.pGreater).toBeCloseTo(want.pGreater, 12);
      expect(got.pLess).toBeCloseTo(want.pLess, 12);
      expect(got.smallestPossibleP).toBeCloseTo(want.smallest, 12);
    }
  });

  it('says when the pooled values allow no significance at all', () => {
    expect(mannWhitneyU([1, 1, 1], [1, 1, 1])).toMatchObject({ p: 1, smallestPossibleP: 1 });
    // 3 against 3: the most extreme split is 1 of C(6, 3) = 20.
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6]).smallestPossibleP).toBeCloseTo(0.05, 12);
  });

  it('ranks infinities as the most extreme values', () => {
    const got = mannWhitneyU([1, 2, 3, 4], [5, 6, Infinity, Infinity]);
    expect(got.u).toBe(0);
    expect(got.pLess).toBeCloseTo(1 / 70, 12);
  });

  it('refuses empty samples and NaN, naming the problem', () => {
    expect(() => mannWhitneyU([], [1])).toThrow(/both samples need values \(got 0 and 1\)/);
    expect(() => mannWhitneyU([Number.NaN], [1])).toThrow(/NaN/);
  });
});

/** One-sided p-values by enumerating every way to pick a's members from the pooled values. */
function bruteForce(a: number[], b: number[]): { pGreater: number; pLess: number; smallest: number } {
  const pooled = [...a, ...b];
  const u = (x: number[], y: number[]) => x.reduce((s, xi) => s + y.reduce((t, yj) => t + (xi > yj ? 1 : xi === yj ? 0.5 : 0), 0), 0);
  const observed = u(a, b);
  const us: number[] = [];
  const pick = (start: number, chosen: number[]) => {
    if (chosen.length === a.length) {
      const rest = pooled.filter((_, i) => !chosen.includes(i));
      us.push(u(chosen.map((i) => pooled[i]!), rest));
      return;
    }
    for (let i = start; i < pooled.length; i++) pick(i + 1, [...chosen, i]);
  };
  pick(0, []);
  const max = Math.max(...us);
  return {
    pGreater: us.filter((x) => x >= observed).length / us.length,
    pLess: us.filter((x) => x <= observed).length / us.length,
    smallest: us.filter((x) => x === max).length / us.length,
  };
}
