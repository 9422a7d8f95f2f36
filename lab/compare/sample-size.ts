import type { Metrics } from '../metrics/types.js';
import type { MetricRule } from './metrics-of-interest.js';

/**
 * Samples a run needs behind its p-quantile before compare gates on it: 10 / (1 − p), so
 * that about ten samples lie beyond the quantile (20 for p50, 100 for p90, 1,000 for p99,
 * 10,000 for p99.9). With fewer, the quantile is one or two extreme samples and moves
 * with whatever stalled once.
 */
export function requiredSamples(p: number): number {
  // Round before ceil: 10 / (1 − 0.99) is 1000.0000000000009 in floating point.
  return Math.ceil(Number((10 / (1 - p)).toFixed(6)));
}

/**
 * Why `rule` does not gate these runs (a percentile with too few samples in some run, or a
 * shown-only metric); undefined when it gates.
 */
export function notGatedBecause(rule: MetricRule, runs: readonly Metrics[]): string | undefined {
  if (!rule.gate) return `not gated: ${rule.shownOnly ?? 'shown only'}`;
  if (!rule.quantile || runs.length === 0) return undefined;
  const { p, of, samples } = rule.quantile;
  const fewest = Math.min(...runs.map(samples));
  const needed = requiredSamples(p);
  if (fewest >= needed) return undefined;
  const where = runs.length > 2 ? ' in the smallest run' : '';
  return `not gated: ${percentileName(p)} of ${fewest} ${of}${where} (needs ≥ ${needed.toLocaleString('en-US')})`;
}

/** 0.99 → "p99", 0.999 → "p99.9". */
function percentileName(p: number): string {
  return `p${Number((p * 100).toFixed(3))}`;
}
