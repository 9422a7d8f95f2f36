import type { MetricUnit } from '../metrics/metric-paths.js';
import type { Metrics } from '../metrics/types.js';
import type { Report } from '../report/types.js';
import { compareMachines, type MachineComparison } from './machine.js';
import { gossipRules, perStepRules, RULES, type Direction, type MetricRule } from './metrics-of-interest.js';
import { runMetrics } from './runs.js';
import { notGatedBecause } from './sample-size.js';
import { testedRows } from './tested-rows.js';
import { beyondThreshold, improved, relativeChange } from './threshold.js';

export interface CompareOptions {
  /** One-run reports: relative change within which a metric is "same" (0.10 = ±10 %). Also the band for the machine baselines. */
  noiseBand?: number;
  /** Repeated runs: the smallest relative change of the medians that counts as a regression (0.05 = 5 %). */
  minChange?: number;
  /** Repeated runs: the chance of any false alarm across all gated metrics (Holm–Bonferroni). */
  alpha?: number;
}

export interface CompareRow {
  metric: string;
  unit: MetricUnit;
  /** The value (one run), or the median across runs. */
  base: number | null;
  next: number | null;
  /** (next − base) / |base|; null when base is 0 or either value is missing. */
  change: number | null;
  direction: Direction;
  verdict: 'better' | 'same' | 'worse';
  /** Whether "worse" here counts as a regression. */
  gate: boolean;
  /** Repeated runs: the Mann–Whitney test; null for one-run reports. */
  test: RowTest | null;
  /** Said on the row: why it does not gate, or why a significant change still counts as same. */
  note?: string;
}

/** What the test said about one metric of repeated runs. */
export interface RowTest {
  /** One-sided Mann–Whitney p toward the observed direction; Holm-adjusted when the metric is in the gated family. */
  p: number;
  /** p ≤ alpha (adjusted in the family): false prints `~`. */
  significant: boolean;
  /** Whether p is Holm-adjusted (the row is in the gated family). */
  adjusted: boolean;
  /** The shift's confidence interval as a fraction of the base median; null when it has no finite value. */
  interval: { low: number; high: number; confidence: number } | null;
}

export interface CompareResult {
  base: ReportSummary;
  next: ReportSummary;
  /** 'test': Mann–Whitney over repeated runs; 'band': a report with one run, compared with the ±noiseBand rule. */
  method: 'test' | 'band';
  noiseBand: number;
  minChange: number;
  alpha: number;
  /** Metrics in the Holm–Bonferroni family (gated, enough samples, able to reach significance). */
  family: number;
  rows: CompareRow[];
  /** True when any gating metric got worse (significantly and beyond the threshold). */
  regression: boolean;
  /** Differences that make the comparison less meaningful (other scenario, params, runtime). */
  warnings: string[];
  /** Both reports' noise baselines and whether the machine changed between them. */
  machine: MachineComparison;
}

export interface ReportSummary {
  scenario: string;
  runtime: string;
  started_at: string;
  runs: number;
}

/**
 * Compares two reports metric by metric. With repeated runs on both sides each metric is
 * decided by a Mann–Whitney test on the per-run values, Holm–Bonferroni across the gated
 * metrics, and a practical threshold (±minChange and the metric's floor); when either
 * side has one run, by today's band rule (±noiseBand and the floor), which cannot tell
 * noise from change. See README.md.
 */
export function compareReports(base: Report, next: Report, { noiseBand = 0.1, minChange = 0.05, alpha = 0.05 }: CompareOptions = {}): CompareResult {
  const rules = [...RULES, ...perStepRules(base.metrics, next.metrics), ...gossipRules(base.metrics, next.metrics)];
  const baseRuns = runMetrics(base);
  const nextRuns = runMetrics(next);
  const method = baseRuns.length >= 2 && nextRuns.length >= 2 ? 'test' : 'band';
  const { rows, family } =
    method === 'test'
      ? testedRows(rules, baseRuns, nextRuns, { minChange, alpha })
      : { rows: rules.map((rule) => bandRow(rule, base.metrics, next.metrics, [...baseRuns, ...nextRuns], noiseBand)), family: 0 };
  return {
    base: summary(base, baseRuns.length),
    next: summary(next, nextRuns.length),
    method,
    noiseBand,
    minChange,
    alpha,
    family,
    rows,
    regression: rows.some((r) => r.gate && r.verdict === 'worse'),
    warnings: warnings(base, next),
    machine: compareMachines(base, next, noiseBand),
  };
}

/** One-run rule: "worse" when beyond both the band and the floor. */
function bandRow(rule: MetricRule, baseMetrics: Metrics, nextMetrics: Metrics, runs: Metrics[], band: number): CompareRow {
  const base = rule.read(baseMetrics);
  const next = rule.read(nextMetrics);
  const note = notGatedBecause(rule, runs);
  const verdict = !beyondThreshold(rule, base, next, band) ? 'same' : improved(rule, base, next) ? 'better' : 'worse';
  return {
    metric: rule.metric, unit: rule.unit, base, next, change: relativeChange(base, next), direction: rule.direction,
    verdict, gate: note === undefined, test: null, ...(note ? { note } : {}),
  };
}

function summary(r: Report, runs: number): ReportSummary {
  return { scenario: r.scenario.name, runtime: r.runtime, started_at: r.started_at, runs };
}

function warnings(base: Report, next: Report): string[] {
  const out: string[] = [];
  if (base.scenario.name !== next.scenario.name) out.push(`different scenarios: ${base.scenario.name} vs ${next.scenario.name}`);
  if (base.runtime !== next.runtime) out.push(`different runtimes: ${base.runtime} vs ${next.runtime}`);
  const params = new Set([...Object.keys(base.scenario.params), ...Object.keys(next.scenario.params)]);
  for (const p of params) {
    if (base.scenario.params[p] !== next.scenario.params[p]) out.push(`param ${p} differs: ${base.scenario.params[p] ?? '(unset)'} vs ${next.scenario.params[p] ?? '(unset)'}`);
  }
  if (base.machine.hostname !== next.machine.hostname || base.machine.cpus !== next.machine.cpus) {
    out.push(`different machines: ${base.machine.hostname} (${base.machine.cpus} CPUs) vs ${next.machine.hostname} (${next.machine.cpus} CPUs)`);
  }
  return out;
}
