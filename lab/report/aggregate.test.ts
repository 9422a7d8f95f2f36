import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../metrics/collector.js';
import { syntheticRun } from '../metrics/synthetic-run.js';
import type { Metrics } from '../metrics/types.js';
import { aggregateByPath, medianMetrics } from './aggregate.js';

const run = (seed: number, latencyScale = 1): Metrics => computeMetrics(syntheticRun({ seed, latencyScale }));

describe('medianMetrics', () => {
  const runs = [run(1, 1), run(2, 2), run(3, 4)];
  const merged = medianMetrics(runs);

  it('replaces every numeric leaf with its median, leaf by leaf', () => {
    expect(merged.latency.p50).toBe(runs[1]!.latency.p50);
    expect(merged.latency.max).toBe([...runs.map((r) => r.latency.max)].sort((a, b) => a - b)[1]);
    expect(merged.discovery.converged_ms).toBe([...runs.map((r) => r.discovery.converged_ms!)].sort((a, b) => a - b)[1]);
  });

  it('takes medians step by step for per_step, and every other list from run 0', () => {
    expect(merged.per_step.map((s) => s.label)).toEqual(runs[0]!.per_step.map((s) => s.label));
    expect(merged.per_step[1]!.latency.p99).toBe([...runs.map((r) => r.per_step[1]!.latency.p99)].sort((a, b) => a - b)[1]);
    expect(merged.throughput.series).toEqual(runs[0]!.throughput.series);
    expect(merged.memory.per_peer).toEqual(runs[0]!.memory.per_peer);
    expect(merged.errors.messages).toEqual(runs[0]!.errors.messages);
  });

  it('keeps a value null when most runs have none, and takes the median of the others when only some lack it', () => {
    const never = computeMetrics(syntheticRun({ seed: 9, undiscoveredPair: true }));
    expect(never.discovery.converged_ms).toBeNull();
    expect(medianMetrics([never, never, runs[0]!]).discovery.converged_ms).toBeNull();
    expect(medianMetrics([never, runs[0]!, runs[1]!]).discovery.converged_ms).toBe((runs[0]!.discovery.converged_ms! + runs[1]!.discovery.converged_ms!) / 2);
    // The aggregate lists only the runs that had a value.
    expect(aggregateByPath([never, runs[0]!, runs[1]!])['discovery.converged_ms']!.values).toEqual([runs[0]!.discovery.converged_ms, runs[1]!.discovery.converged_ms]);
  });

  it('is the run itself for one run', () => {
    expect(medianMetrics([runs[0]!])).toBe(runs[0]);
  });
});
