import { describe, expect, it } from 'vitest';
import { taroneFamily } from './tarone.js';

describe('taroneFamily', () => {
  it('leaves out tests that cannot reach alpha/K, so the rest keep their power', () => {
    // 11 tests of 5 vs 5 runs (smallest p 1/252 ≈ .00397) and 3 with all values tied (smallest p 1):
    // counting all 14, Bonferroni needs p ≤ .05/14 = .0036 and nothing could ever be significant;
    // the 11 that can vary are tested at .05/11 = .0045.
    const { members, k } = taroneFamily([...Array<number>(11).fill(1 / 252), 1, 1, 1], 0.05);
    expect(k).toBe(11);
    expect(members.filter(Boolean)).toHaveLength(11);
    expect(members.slice(11)).toEqual([false, false, false]);
  });

  it('keeps a test whose smallest p is tiny, drops one that cannot reach alpha/K', () => {
    // k = 1: two tests can reach .05 → too many; k = 2: only the first reaches .025 → K = 2.
    expect(taroneFamily([0.001, 0.04], 0.05)).toEqual({ members: [true, false], k: 2 });
    expect(taroneFamily([0.001, 0.01], 0.05)).toEqual({ members: [true, true], k: 2 });
  });

  it('is empty when no test can reach significance at any family size', () => {
    expect(taroneFamily(Array<number>(13).fill(1 / 252), 0.05)).toEqual({ members: Array(13).fill(false), k: 13 });
    expect(taroneFamily([], 0.05)).toEqual({ members: [], k: 0 });
  });
});
