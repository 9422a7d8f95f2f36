import type { Metrics } from '../metrics/types.js';
import type { Report } from '../report/types.js';
import { reportOfRuns } from './repeated-sample.js';

/**
 * Run-to-run noise of each metric (σ of a log-normal factor), about what repeated smoke
 * runs show on a shared 2-core machine: medians steady, tails and discovery noisy. The
 * `per_step.*` entries apply to every load step.
 */
export const RUN_NOISE: Readonly<Record<string, number>> = {
  'latency.p50': 0.03, 'latency.p90': 0.04, 'latency.p99': 0.08, 'latency.p99_9': 0.15, 'latency.max': 0.3,
  'throughput.mean_delivered_per_s': 0.01, 'discovery.converged_ms': 0.1, 'discovery.p50_ms': 0.1,
  'handshake.p50_ms': 0.15, 'handshake.p99_ms': 0.3, 'memory.max_rss_mb': 0.02, 'memory.mean_rss_mb': 0.02, 'cpu.mean_percent': 0.1,
  'per_step.delivered_per_s': 0.01, 'per_step.latency_p99': 0.08,
};

export interface NoisyRunsOptions {
  /** σ per metric (RUN_NOISE by default). */
  noise?: Readonly<Record<string, number>>;
  /** A true change: each named metric's value is multiplied by this. */
  scale?: Readonly<Record<string, number>>;
}

/**
 * A report of `n` runs whose metrics are `template`'s, each noisy metric multiplied by
 * exp(σ·Z) (Z from `normal`) and by `scale[metric]`: synthetic repeated runs with a known
 * distribution, for testing compare and calibrate.
 */
export function noisyRuns(template: Metrics, n: number, normal: () => number, { noise = RUN_NOISE, scale = {} }: NoisyRunsOptions = {}): Report {
  return reportOfRuns(Array.from({ length: n }, () => noisyRun(template, normal, noise, scale)));
}

function noisyRun(template: Metrics, normal: () => number, noise: Readonly<Record<string, number>>, scale: Readonly<Record<string, number>>): Metrics {
  const m = structuredClone(template);
  const factor = (path: string) => Math.exp((noise[path] ?? 0) * normal()) * (scale[path] ?? 1);
  for (const path of Object.keys(noise)) {
    if (path.startsWith('per_step.')) continue;
    const keys = path.split('.');
    const parent = keys.slice(0, -1).reduce<Record<string, unknown>>((node, k) => node[k] as Record<string, unknown>, m as unknown as Record<string, unknown>);
    const leaf = keys.at(-1)!;
    parent[leaf] = (parent[leaf] as number) * factor(path);
  }
  for (const step of m.per_step) {
    step.delivered_per_s *= factor('per_step.delivered_per_s');
    step.latency.p99 *= factor('per_step.latency_p99');
  }
  return m;
}

/** `report` with its latency percentiles (and each load step's p99) set: a loaded run's figures for tests. */
export function withLatency(report: Report, latency: { p50: number; p90: number; p99: number; p99_9: number; max: number }): Report {
  const r = structuredClone(report);
  Object.assign(r.metrics.latency, latency);
  for (const step of r.metrics.per_step) step.latency.p99 = latency.p99;
  return r;
}
