/**
 * Many runs' metrics as one: the median of each metric across runs, and the median's
 * confidence interval (lab/stats), so a report of N runs shows both the typical value and
 * how far the runs spread.
 */
import { METRIC_PATHS, metricValue } from '../metrics/metric-paths.js';
import type { Metrics } from '../metrics/types.js';
import { median, medianConfidenceInterval } from '../stats/index.js';
import type { AggregateEntry } from './types.js';

/** The confidence asked of each median's interval; with few runs it is less (see AggregateEntry). */
export const AGGREGATE_CONFIDENCE = 0.95;

/** Per metric path (METRIC_PATHS): median, its interval and the per-run values; paths no run measured are left out. */
export function aggregateByPath(runs: readonly Metrics[], confidence = AGGREGATE_CONFIDENCE): Record<string, AggregateEntry> {
  const out: Record<string, AggregateEntry> = {};
  for (const path of Object.keys(METRIC_PATHS)) {
    const values = runs.map((m) => metricValue(m, path)).filter((v): v is number => v !== null);
    if (values.length === 0) continue;
    const ci = medianConfidenceInterval(values, confidence);
    out[path] = { median: median(values), ci_low: ci.low, ci_high: ci.high, confidence: Math.round(ci.confidence * 10_000) / 10_000, values };
  }
  return out;
}

/**
 * Run 0's metrics with every numeric leaf replaced by its median across runs (each leaf
 * on its own, so medians need not add up: sent ≠ delivered + lost in general). A leaf
 * that more than half the runs have no value for (discovery never converged) stays null.
 * Lists — series, curves, per-peer rows, error messages — are run 0's, except `per_step`,
 * whose numbers are medians step by step when every run had the same load steps.
 */
export function medianMetrics(runs: readonly Metrics[]): Metrics {
  if (runs.length === 0) throw new RangeError('medianMetrics: no runs');
  if (runs.length === 1) return runs[0]!;
  return mergeNode(runs, 'metrics') as Metrics;
}

function mergeNode(nodes: readonly unknown[], key: string): unknown {
  const first = nodes[0];
  if (typeof first === 'number' || first === null) {
    const values = nodes.filter((n): n is number => typeof n === 'number');
    if (values.length === 0 || 2 * values.length < nodes.length) return first;
    return median(values);
  }
  if (Array.isArray(first)) {
    const sameSteps = key === 'per_step' && nodes.every((n) => Array.isArray(n) && n.length === first.length && n.every((s, i) => (s as { index: number }).index === (first[i] as { index: number }).index));
    return sameSteps ? first.map((_, i) => mergeNode(nodes.map((n) => (n as unknown[])[i]), String(i))) : first;
  }
  if (first !== undefined && typeof first === 'object') {
    const present = nodes.filter((n) => n !== undefined && n !== null && typeof n === 'object') as Array<Record<string, unknown>>;
    return Object.fromEntries(Object.keys(first).map((k) => [k, mergeNode(present.map((n) => n[k]), k)]));
  }
  return first;
}
