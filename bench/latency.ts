/**
 * Timed loops of round trips, recorded in the lab's HDR histogram and reported
 * in microseconds.
 */
import { performance } from 'node:perf_hooks';
import { MsHistogram } from '../lab/metrics/histogram.js';

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

/** A lab histogram (lab/metrics/histogram.ts) summarised in whole microseconds. */
function summaryInUs(histogram: MsHistogram): LatencySummary {
  const ms = histogram.summary();
  const us = (value: number) => Math.round(value * 1000);
  return { count: ms.count, min: us(ms.min), mean: us(ms.mean), p50: us(ms.p50), p90: us(ms.p90), p99: us(ms.p99), p999: us(ms.p99_9), max: us(ms.max) };
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
  const histogram = new MsHistogram();
  const deadline = performance.now() + maxMs;
  for (let i = 0; i < samples && performance.now() < deadline; i++) {
    const start = performance.now();
    await once();
    histogram.record(performance.now() - start);
  }
  const summary = summaryInUs(histogram);
  histogram.destroy();
  return summary;
}
