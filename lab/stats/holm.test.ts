import { describe, expect, it } from 'vitest';
import { holmBonferroni } from './holm.js';

describe('holmBonferroni', () => {
  it('steps down: matches the textbook example (R: p.adjust(c(.01, .04, .03, .005), "holm"))', () => {
    const { rejected, adjusted } = holmBonferroni([0.01, 0.04, 0.03, 0.005], 0.05);
    // Sorted: .005 ≤ .05/4 and .01 ≤ .05/3 are rejected; .03 > .05/2 stops the procedure, so .04 is kept too.
    expect(rejected).toEqual([true, false, false, true]);
    expect(adjusted.map((p) => Number(p.toFixed(10)))).toEqual([0.03, 0.06, 0.06, 0.02]);
  });

  it('rejects more than Bonferroni would when several effects are real', () => {
    // Bonferroni's bar is .05/3 = .0167 for all three; Holm's rises to .025 and .05.
    expect(holmBonferroni([0.012, 0.02, 0.04]).rejected).toEqual([true, true, true]);
  });

  it('handles an empty family and refuses a bad alpha', () => {
    expect(holmBonferroni([])).toEqual({ rejected: [], adjusted: [] });
    expect(() => holmBonferroni([0.1], 0)).toThrow(/alpha must be between 0 and 1, got 0/);
  });
});
