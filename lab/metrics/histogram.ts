import { build, type Histogram } from 'hdr-histogram-js';
import type { Summary } from './types.js';

/** Percentiles drawn on the latency distribution chart (denser toward the tail). */
export const CURVE_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100];

/**
 * An HDR histogram of millisecond values kept at microsecond precision (3 significant
 * digits). min, max and mean are exact; percentiles come from the histogram and are
 * clamped into [min, max], because HDR reports a bucket's upper edge, which can exceed
 * the true maximum.
 */
export class MsHistogram {
  private readonly hdr: Histogram = build({ numberOfSignificantValueDigits: 3, autoResize: true });
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;
  count = 0;

  /** Records one value in ms (negative values count as 0). */
  record(ms: number): void {
    const us = Math.max(0, Math.round(ms * 1000));
    this.hdr.recordValue(us);
    this.count++;
    this.sum += us / 1000;
    this.min = Math.min(this.min, us / 1000);
    this.max = Math.max(this.max, us / 1000);
  }

  /** The value at `percentile` (0..100) in ms; 0 when empty. */
  percentile(percentile: number): number {
    if (this.count === 0) return 0;
    const ms = this.hdr.getValueAtPercentile(percentile) / 1000;
    return clamp(ms, this.min, this.max);
  }

  /** count, min, mean, p50, p90, p99, p99.9, max; all 0 when empty. */
  summary(): Summary {
    return {
      count: this.count,
      min: this.count ? round(this.min) : 0,
      mean: this.count ? round(this.sum / this.count) : 0,
      p50: round(this.percentile(50)),
      p90: round(this.percentile(90)),
      p99: round(this.percentile(99)),
      p99_9: round(this.percentile(99.9)),
      max: round(this.max),
    };
  }

  /** The percentile curve at CURVE_PERCENTILES; empty when there are no values. */
  curve(): Array<{ percentile: number; ms: number }> {
    if (this.count === 0) return [];
    return CURVE_PERCENTILES.map((p) => ({ percentile: p, ms: round(p === 0 ? this.min : this.percentile(p)) }));
  }

  /** Frees the histogram's buffers. */
  destroy(): void {
    this.hdr.destroy();
  }
}

/** Rounds to microseconds (3 decimals of ms), so JSON stays readable. */
export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
