import { describe, expect, it } from 'vitest';
import { sampleReport } from '../report/sample-report.js';
import type { Report } from '../report/types.js';
import { compareReports } from './compare.js';
import { formatCompare } from './format.js';

const base = sampleReport().report;

function tweak(change: (r: Report) => void): Report {
  const next = structuredClone(base);
  change(next);
  return next;
}

const row = (result: ReturnType<typeof compareReports>, metric: string) => result.rows.find((r) => r.metric === metric)!;

describe('compareReports', () => {
  it('finds nothing between a report and itself', () => {
    const result = compareReports(base, base);
    expect(result.regression).toBe(false);
    expect(result.rows.every((r) => r.verdict === 'same')).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('flags a 30 % p99 regression and not a 3 % one', () => {
    const worse = compareReports(base, tweak((r) => (r.metrics.latency.p99 *= 1.3)));
    expect(row(worse, 'latency.p99')).toMatchObject({ verdict: 'worse', direction: 'lower_is_better' });
    expect(row(worse, 'latency.p99').change).toBeCloseTo(0.3, 6);
    expect(worse.regression).toBe(true);

    const noise = compareReports(base, tweak((r) => (r.metrics.latency.p99 *= 1.03)));
    expect(row(noise, 'latency.p99').verdict).toBe('same');
    expect(noise.regression).toBe(false);
  });

  it('flags a real run whose every delivery is 30 % slower', () => {
    const slower = sampleReport({ latencyScale: 1.3 }).report;
    const result = compareReports(base, slower);
    expect(row(result, 'latency.p99').verdict).toBe('worse');
    expect(row(result, 'latency.p50').verdict).toBe('worse');
    expect(result.regression).toBe(true);
    expect(compareReports(base, sampleReport({ latencyScale: 1.03 }).report).rows.find((r) => r.metric === 'latency.p99')!.verdict).toBe('same');
  });

  it('never counts a latency change under 1 ms, however large relatively', () => {
    const small = tweak((r) => {
      r.metrics.handshake.p50_ms = base.metrics.handshake.p50_ms + 0.9;
    });
    expect(row(compareReports(base, small), 'handshake.p50_ms').verdict).toBe('same');
    const tiny = tweak((r) => (r.metrics.latency.p50 = 0.2));
    const fromTiny = compareReports(tiny, tweak((r) => (r.metrics.latency.p50 = 0.9)));
    expect(row(fromTiny, 'latency.p50').verdict).toBe('same');
    expect(row(fromTiny, 'latency.p50').change).toBeCloseTo(3.5, 6);
  });

  it('reads improvements by direction', () => {
    const result = compareReports(base, tweak((r) => {
      r.metrics.latency.p99 /= 2;
      r.metrics.throughput.mean_delivered_per_s *= 2;
    }));
    expect(row(result, 'latency.p99').verdict).toBe('better');
    expect(row(result, 'throughput.mean_delivered_per_s')).toMatchObject({ verdict: 'better', direction: 'higher_is_better' });
    expect(result.regression).toBe(false);
  });

  it('treats a delivery ratio drop of more than 0.1 % as a regression, not hidden by the band', () => {
    const result = compareReports(base, tweak((r) => (r.metrics.delivery.ratio -= 0.05)));
    expect(row(result, 'delivery.ratio').verdict).toBe('worse');
    expect(result.regression).toBe(true);
  });

  it('counts discovery that stopped converging as worse', () => {
    const result = compareReports(base, tweak((r) => (r.metrics.discovery.converged_ms = null)));
    expect(row(result, 'discovery.converged_ms')).toMatchObject({ verdict: 'worse', next: null, change: null });
    expect(result.regression).toBe(true);
  });

  it('compares load steps by label and does not gate on noisy info rows', () => {
    const result = compareReports(base, tweak((r) => {
      r.metrics.per_step[1]!.latency.p99 *= 2;
      r.metrics.latency.max *= 3;
    }));
    expect(row(result, 'per_step[40/s].latency_p99').verdict).toBe('worse');
    expect(row(result, 'latency.max')).toMatchObject({ verdict: 'worse', gate: false });
    expect(result.regression).toBe(true);
    const onlyMax = compareReports(base, tweak((r) => (r.metrics.latency.max *= 3)));
    expect(onlyMax.regression).toBe(false);
  });

  it('warns when the runs are not comparable', () => {
    const other = tweak((r) => {
      r.runtime = 'docker';
      r.scenario.params.peers = 10;
    });
    expect(compareReports(base, other).warnings).toEqual(['different runtimes: process vs docker', 'param peers differs: 5 vs 10']);
  });

  it('uses the noise band it is given', () => {
    const next = tweak((r) => (r.metrics.latency.p99 *= 1.3));
    expect(compareReports(base, next, { noiseBand: 0.5 }).regression).toBe(false);
  });
});

describe('formatCompare', () => {
  const result = compareReports(base, tweak((r) => (r.metrics.latency.p99 *= 1.3)));

  it('prints an aligned text table with the verdict', () => {
    const out = formatCompare(result);
    expect(out).toMatch(/^latency\.p99\s+4\.6 s\s+5\.99 s\s+\+30 %\s+▼ worse$/m);
    expect(out).toMatch(/^latency\.max \(info\)/m);
    expect(out.trimEnd().split('\n').at(-1)).toBe('REGRESSION in latency.p99');
  });

  it('prints a Markdown table', () => {
    const out = formatCompare(result, 'markdown');
    expect(out).toContain('| metric | base | next | change | verdict |');
    expect(out).toMatch(/\| latency\.p99 \| 4\.6 s \| 5\.99 s \| \+30 % \| 🔴 worse \|/);
    expect(out.split('\n')[0]).toBe('### 🔴 REGRESSION in latency.p99');
  });
});
