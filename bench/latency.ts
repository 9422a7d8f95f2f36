/**
 * Round-trip samples in microseconds, kept in an HDR histogram (3 significant
 * digits), and timed loops that fill one.
 */
import { performance } from 'node:perf_hooks';
import { build, type Histogram } from 'hdr-histogram-js';

/** A latency distribution in µs: exact count, min, mean and max; HDR percentiles. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export class LatencyRecorder {
  private readonly hdr: Histogram = build({ numberOfSignificantValueDigits: 3, autoResize: true });
  private count = 0;
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;

  /** Records one sample in µs. */
  record(us: number): void {
    const value = Math.max(1, Math.round(us));
    this.hdr.recordValue(value);
    this.count++;
    this.sum += value;
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
  }

  summary(): LatencySummary {
    // HDR reports a bucket's upper edge; clamp to the exact extremes.
    const at = (p: number): number => Math.min(this.max, Math.max(this.min, this.hdr.getValueAtPercentile(p)));
    if (this.count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    return {
      count: this.count,
      min: this.min,
      mean: Math.round(this.sum / this.count),
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: this.max,
    };
  }

  destroy(): void {
    this.hdr.destroy();
  }
}

/**
 * Times `once()` one call at a time: `warmup` calls unrecorded, then up to
 * `samples` recorded, stopping early after `maxMs` of recording.
 */
export async function timeSequential(
  once: () => Promise<void>,
  { warmup, samples, maxMs }: { warmup: number; samples: number; maxMs: number },
): Promise<LatencySummary> {
  for (let i = 0; i < warmup; i++) await once();
  const recorder = new LatencyRecorder();
  const deadline = performance.now() + maxMs;
  for (let i = 0; i < samples && performance.now() < deadline; i++) {
    const start = performance.now();
    await once();
    recorder.record((performance.now() - start) * 1000);
  }
  const summary = recorder.summary();
  recorder.destroy();
  return summary;
}
