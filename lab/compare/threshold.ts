import type { MetricRule } from './metrics-of-interest.js';

/**
 * Whether the change from `base` to `next` is large enough to matter in practice: beyond
 * the rule's absolute floor and, for relative rules, beyond ±`band` of `base`. A value
 * that is missing (null or infinite: discovery never converged) on one side only always
 * counts.
 */
export function beyondThreshold(rule: MetricRule, base: number | null, next: number | null, band: number): boolean {
  const known = (v: number | null): v is number => v !== null && Number.isFinite(v);
  if (!known(base) || !known(next)) return known(base) !== known(next);
  const diff = next - base;
  const change = base === 0 ? null : diff / Math.abs(base);
  return Math.abs(diff) > rule.floor && (!rule.relative || change === null || Math.abs(change) > band);
}

/** Whether `next` is better than `base` for this rule; a missing value is worse than any value. */
export function improved(rule: MetricRule, base: number | null, next: number | null): boolean {
  const worst = rule.direction === 'lower_is_better' ? Infinity : -Infinity;
  const b = base ?? worst;
  const n = next ?? worst;
  return rule.direction === 'lower_is_better' ? n < b : n > b;
}

/** (next − base) / |base|; null when base is 0 or either value is missing. */
export function relativeChange(base: number | null, next: number | null): number | null {
  if (base === null || next === null || !Number.isFinite(base) || !Number.isFinite(next) || base === 0) return null;
  return (next - base) / Math.abs(base);
}
