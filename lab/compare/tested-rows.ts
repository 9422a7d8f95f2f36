import { formatMetric } from '../metrics/format.js';
import type { Metrics } from '../metrics/types.js';
import { holmBonferroni } from '../stats/holm.js';
import { mannWhitneyU, type MannWhitneyResult } from '../stats/mann-whitney.js';
import { median } from '../stats/median.js';
import { shiftConfidenceInterval } from '../stats/shift-interval.js';
import { taroneFamily } from '../stats/tarone.js';
import type { CompareRow } from './compare.js';
import type { MetricRule } from './metrics-of-interest.js';
import { perRunValues } from './runs.js';
import { notGatedBecause } from './sample-size.js';
import { beyondThreshold, improved, relativeChange } from './threshold.js';

interface Measured {
  base: number[];
  next: number[];
  mw: MannWhitneyResult;
  /** One-sided p that NEW is worse than BASE, and that it is better. */
  pWorse: number;
  pBetter: number;
}

/**
 * Rows for repeated runs: per metric a Mann–Whitney test on the per-run values. The gated
 * family is every metric that gates (enough samples) and whose pooled values could reach
 * significance in it at all (Tarone: all-equal values never can, nor can 5 against 5 runs
 * in a family of 13), which keeps the family-wise rate and spares the rest the dilution.
 * Holm–Bonferroni runs over the family's one-sided "worse" p-values (and, for reporting,
 * separately over the "better" ones). A metric is worse when its test is significant and
 * the change of medians is beyond the practical threshold.
 */
export function testedRows(
  rules: readonly MetricRule[],
  baseRuns: readonly Metrics[],
  nextRuns: readonly Metrics[],
  { minChange, alpha }: { minChange: number; alpha: number },
): { rows: CompareRow[]; family: number } {
  const allRuns = [...baseRuns, ...nextRuns];
  const measured = rules.map((rule) => measure(rule, perRunValues(rule, baseRuns), perRunValues(rule, nextRuns)));
  const notes = rules.map((rule) => notGatedBecause(rule, allRuns));
  const gated = rules.flatMap((_, i) => (notes[i] === undefined ? [i] : []));
  const tarone = taroneFamily(gated.map((i) => measured[i]!.mw.smallestPossibleP), alpha);
  const family = gated.filter((_, j) => tarone.members[j]);
  const worse = holmBonferroni(family.map((i) => measured[i]!.pWorse), alpha);
  const better = holmBonferroni(family.map((i) => measured[i]!.pBetter), alpha);

  const rows = rules.map((rule, i): CompareRow => {
    const m = measured[i]!;
    const towardWorse = m.pWorse <= m.pBetter;
    const k = family.indexOf(i);
    const p = k >= 0 ? (towardWorse ? worse.adjusted[k]! : better.adjusted[k]!) : towardWorse ? m.pWorse : m.pBetter;
    const significant = p <= alpha;
    const baseMedian = finiteOrNull(median(m.base));
    const nextMedian = finiteOrNull(median(m.next));
    const beyond = beyondThreshold(rule, median(m.base), median(m.next), minChange);
    const mediansAgree = improved(rule, median(m.base), median(m.next)) !== towardWorse;
    const verdict = significant && beyond && mediansAgree ? (towardWorse ? 'worse' : 'better') : 'same';
    const note = notes[i] ?? whySame(rule, m, { significant, beyond, mediansAgree, inFamily: k >= 0, alpha, k: tarone.k, minChange });
    return {
      metric: rule.metric, unit: rule.unit, base: baseMedian, next: nextMedian, change: relativeChange(baseMedian, nextMedian),
      direction: rule.direction, verdict, gate: notes[i] === undefined,
      test: { p, significant, adjusted: k >= 0, interval: interval(m.base, m.next) },
      ...(note ? { note } : {}),
    };
  });
  return { rows, family: family.length };
}

function measure(rule: MetricRule, base: number[], next: number[]): Measured {
  const mw = mannWhitneyU(next, base);
  // "Greater" is worse when lower is better.
  const lowerIsBetter = rule.direction === 'lower_is_better';
  return { base, next, mw, pWorse: lowerIsBetter ? mw.pGreater : mw.pLess, pBetter: lowerIsBetter ? mw.pLess : mw.pGreater };
}

function whySame(
  rule: MetricRule,
  m: Measured,
  s: { significant: boolean; beyond: boolean; mediansAgree: boolean; inFamily: boolean; alpha: number; k: number; minChange: number },
): string | undefined {
  const allEqual = [...m.base, ...m.next].every((v) => v === m.base[0]);
  if (!s.inFamily && !allEqual) {
    const bar = `${s.alpha}${s.k > 1 ? `/${s.k}` : ''}`;
    return `cannot be significant: with ${m.base.length} against ${m.next.length} runs the smallest possible p is ${m.mw.smallestPossibleP.toPrecision(2)}, above ${bar}`;
  }
  if (s.significant && !s.mediansAgree) return 'the ranks and the medians point different ways';
  if (s.significant && !s.beyond) {
    const floor = formatMetric(rule.floor, rule.unit);
    return `significant, but within ${rule.relative ? `±${Math.round(s.minChange * 1000) / 10} % or ` : ''}${floor}`;
  }
  return undefined;
}

/** The shift's interval relative to the base median; null when a value is missing or the median is 0. */
function interval(base: number[], next: number[]): { low: number; high: number; confidence: number } | null {
  const mid = median(base);
  if (![...base, ...next].every(Number.isFinite) || mid === 0) return null;
  const ci = shiftConfidenceInterval(base, next);
  return { low: ci.low / Math.abs(mid), high: ci.high / Math.abs(mid), confidence: ci.confidence };
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
