import type { Report } from '../report/types.js';
import { gossipRules, perStepRules, RULES, type Direction, type MetricRule } from './metrics-of-interest.js';
import type { MetricUnit } from '../metrics/metric-paths.js';

export interface CompareOptions {
  /** Relative change within which a metric is "same" (0.10 = ±10 %). */
  noiseBand?: number;
}

export interface CompareRow {
  metric: string;
  unit: MetricUnit;
  base: number | null;
  next: number | null;
  /** (next − base) / |base|; null when base is 0 or either value is missing. */
  change: number | null;
  direction: Direction;
  verdict: 'better' | 'same' | 'worse';
  /** Whether "worse" here counts as a regression. */
  gate: boolean;
}

export interface CompareResult {
  base: { scenario: string; runtime: string; started_at: string };
  next: { scenario: string; runtime: string; started_at: string };
  noiseBand: number;
  rows: CompareRow[];
  /** True when any gating metric got worse beyond its noise band and floor. */
  regression: boolean;
  /** Differences that make the comparison less meaningful (other scenario, params, runtime). */
  warnings: string[];
}

/** Compares two reports metric by metric, with a relative noise band and absolute floors. */
export function compareReports(base: Report, next: Report, { noiseBand = 0.1 }: CompareOptions = {}): CompareResult {
  const rules = [...RULES, ...perStepRules(base.metrics, next.metrics), ...gossipRules(base.metrics, next.metrics)];
  const rows = rules.map((rule) => compareOne(rule, rule.read(base.metrics), rule.read(next.metrics), noiseBand));
  return {
    base: summary(base),
    next: summary(next),
    noiseBand,
    rows,
    regression: rows.some((r) => r.gate && r.verdict === 'worse'),
    warnings: warnings(base, next),
  };
}

function compareOne(rule: MetricRule, base: number | null, next: number | null, band: number): CompareRow {
  const row = { metric: rule.metric, unit: rule.unit, base, next, direction: rule.direction, gate: rule.gate };
  // A missing value (discovery never converged) is the worst possible one.
  if (base === null || next === null) {
    const verdict = base === next ? 'same' : next === null ? 'worse' : 'better';
    return { ...row, change: null, verdict };
  }
  const diff = next - base;
  const change = base === 0 ? null : diff / Math.abs(base);
  let verdict: CompareRow['verdict'] = 'same';
  const beyondFloor = Math.abs(diff) > rule.floor;
  const beyondBand = !rule.relative || change === null || Math.abs(change) > band;
  if (beyondFloor && beyondBand) {
    const improved = rule.direction === 'lower_is_better' ? diff < 0 : diff > 0;
    verdict = improved ? 'better' : 'worse';
  }
  return { ...row, change, verdict };
}

function summary(r: Report): CompareResult['base'] {
  return { scenario: r.scenario.name, runtime: r.runtime, started_at: r.started_at };
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
