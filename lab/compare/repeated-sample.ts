import type { Metrics } from '../metrics/types.js';
import type { Report } from '../report/types.js';
import type { Baseline } from './runs.js';

/** A quiet machine's baseline, for sample reports. */
export const SAMPLE_BASELINE: Baseline = {
  grpc_echo: { p50_us: 95, p99_us: 210, samples: 2000 },
  load_avg: { before: [0.4, 0.5, 0.5], after: [0.9, 0.6, 0.5] },
  cpu_steal_percent: { before: 0, after: 0 },
};

/**
 * A schema-2-shaped report of repeated runs built from `template` (a one-run report) and
 * each run's metrics, with the fields compare and calibrate read (`repeat.runs[i].metrics`,
 * `baseline`). `metrics` stays run 0's: tests of the band rule set it themselves.
 */
export function repeatedSample(template: Report, runs: readonly Metrics[], baseline: Baseline = SAMPLE_BASELINE): Report {
  const repeat = {
    count: runs.length,
    statistic: 'median' as const,
    runs: runs.map((metrics, index) => ({
      index, seed: template.seed + index, verdict: 'pass' as const, verdict_reasons: [], started_at: template.started_at,
      duration_ms: metrics.duration_ms, metrics, slos: [], baseline,
    })),
    aggregate: {},
  };
  return { ...template, metrics: runs[0] ?? template.metrics, repeat, baseline } as Report;
}
