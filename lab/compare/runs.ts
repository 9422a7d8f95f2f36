import type { Metrics } from '../metrics/types.js';
import type { Baseline, Report } from '../report/types.js';
import type { MetricRule } from './metrics-of-interest.js';

/** Each run's metrics (`repeat.runs[i].metrics`; one run for a single run or a schema 1 report). */
export function runMetrics(report: Report): Metrics[] {
  return report.repeat.runs.length > 0 ? report.repeat.runs.map((r) => r.metrics) : [report.metrics];
}

/** The report's noise baseline when it was measured (a schema 1 report's, upgraded, never was). */
export function measuredBaseline(report: Report): Baseline | undefined {
  return report.baseline && report.baseline.grpc_echo.samples > 0 ? report.baseline : undefined;
}

/**
 * One value per run for `rule`. A run without a value (discovery never converged) gets the
 * worst value there is, +∞ or −∞ by direction, so rank tests count it as the worst run.
 */
export function perRunValues(rule: MetricRule, runs: readonly Metrics[]): number[] {
  const worst = rule.direction === 'lower_is_better' ? Infinity : -Infinity;
  return runs.map((m) => rule.read(m) ?? worst);
}
