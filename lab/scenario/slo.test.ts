import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../metrics/collector.js';
import { syntheticRun } from '../metrics/synthetic-run.js';
import { parseScenario } from './parse.js';
import { evaluateSlos } from './slo.js';

function slos(...lines: string[]) {
  const text = `name: s\nsteps:\n  - start: { count: 2 }\nslos:\n${lines.map((l) => `  - ${l}`).join('\n')}\n`;
  return parseScenario(text, 'x.yaml', {})[0]!.slos;
}

describe('evaluateSlos', () => {
  const metrics = computeMetrics(syntheticRun());

  it('compares each metric with its threshold, in the metric unit', () => {
    const results = evaluateSlos(slos('delivery_ratio >= 0.999', 'delivery_ratio >= 98%', 'latency.p50 < 1s', 'latency.p99 < 50ms', 'delivery.duplicates == 1'), metrics);
    expect(results.map((r) => r.pass)).toEqual([false, true, true, false, true]);
    expect(results[0]).toMatchObject({ slo: 'delivery_ratio >= 0.999', metric: 'delivery.ratio', actual: 0.99 });
    expect(results[0]!.message).toBe('delivery.ratio was 99 %; needs >= 99.9 %');
    expect(results[2]!.message).toMatch(/^latency\.p50 was [\d.]+ ms \(< 1 s\)$/);
    expect(results[3]!.actual).toBe(metrics.latency.p99);
  });

  it('fails an SLO whose metric has no value, and says why', () => {
    const m = computeMetrics(syntheticRun({ undiscoveredPair: true }));
    const [r] = evaluateSlos(slos('discovery.converged_ms < 3000'), m);
    expect(r).toMatchObject({ pass: false, actual: null });
    expect(r!.message).toBe('discovery.converged_ms has no value (some peers never saw each other); needs < 3 s');
  });

  it('handles every operator at the boundary', () => {
    const at = metrics.delivery.duplicates; // 1
    const results = evaluateSlos(slos(`delivery.duplicates < ${at}`, `delivery.duplicates <= ${at}`, `delivery.duplicates > ${at}`, `delivery.duplicates >= ${at}`, `delivery.duplicates == ${at}`), metrics);
    expect(results.map((r) => r.pass)).toEqual([false, true, false, true, true]);
  });
});
