import type { Metrics } from '../metrics/types.js';
import type { Report } from '../report/types.js';
import type { MetricRule } from './metrics-of-interest.js';

/**
 * The noise baseline a schema-2 report measures beside its runs (issue 9's contract): a raw
 * loopback gRPC echo, load average and CPU steal before the first run and after the last.
 */
export interface Baseline {
  grpc_echo: { p50_us: number; p99_us: number; samples: number };
  load_avg: { before: [number, number, number]; after: [number, number, number] };
  cpu_steal_percent: { before: number; after: number };
}

/** The parts of a schema-2 report that compare reads; a v1 report has neither. */
interface RepeatedParts {
  repeat?: { count: number; runs: Array<{ metrics: Metrics }> };
  baseline?: Baseline;
}

/** Each run's metrics: `repeat.runs[i].metrics`, or the report's own metrics for a single run or a v1 report. */
export function runMetrics(report: Report): Metrics[] {
  const runs = (report as Report & RepeatedParts).repeat?.runs;
  return runs && runs.length > 0 ? runs.map((r) => r.metrics) : [report.metrics];
}

/** The report's noise baseline, or undefined (v1 reports have none). */
export function baselineOf(report: Report): Baseline | undefined {
  return (report as Report & RepeatedParts).baseline;
}

/**
 * One value per run for `rule`. A run without a value (discovery never converged) gets the
 * worst value there is, +∞ or −∞ by direction, so rank tests count it as the worst run.
 */
export function perRunValues(rule: MetricRule, runs: readonly Metrics[]): number[] {
  const worst = rule.direction === 'lower_is_better' ? Infinity : -Infinity;
  return runs.map((m) => rule.read(m) ?? worst);
}
