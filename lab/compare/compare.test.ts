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
  it('finds nothing between a report and itself, by the band rule (one run each)', () => {
    const result = compareReports(base, base);
    expect(result.method).toBe('band');
    expect(result.regression).toBe(false);
    expect(result.rows.every((r) => r.verdict === 'same')).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('flags a 30 % p50 regression and not a 3 % one', () => {
    const worse = compareReports(base, tweak((r) => (r.metrics.latency.p50 *= 1.3)));
    expect(row(worse, 'latency.p50')).toMatchObject({ verdict: 'worse', direction: 'lower_is_better', gate: true });
    expect(row(worse, 'latency.p50').change).toBeCloseTo(0.3, 6);
    expect(worse.regression).toBe(true);

    const noise = compareReports(base, tweak((r) => (r.metrics.latency.p50 *= 1.03)));
    expect(row(noise, 'latency.p50').verdict).toBe('same');
    expect(noise.regression).toBe(false);
  });

  // Changed with issue 9: a p99 of ~200 messages is two samples deep; it tripped the gate on unchanged code.
  it('shows a p99 of too few messages as worse but does not gate on it, saying why', () => {
    const result = compareReports(base, tweak((r) => (r.metrics.latency.p99 *= 1.3)));
    expect(row(result, 'latency.p99')).toMatchObject({ verdict: 'worse', gate: false, note: 'not gated: p99 of 198 messages (needs ≥ 1,000)' });
    expect(result.regression).toBe(false);
    const many = sampleReport({ sendsPerStep: 1000, lost: [] }).report;
    const slower = structuredClone(many);
    slower.metrics.latency.p99 *= 1.3;
    expect(compareReports(many, slower).regression).toBe(true);
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
      r.metrics.per_step[1]!.delivered_per_s /= 2;
      r.metrics.per_step[1]!.latency.p99 *= 2;
      r.metrics.latency.max *= 3;
    }));
    expect(row(result, 'per_step[40/s].delivered_per_s')).toMatchObject({ verdict: 'worse', gate: true });
    expect(row(result, 'per_step[40/s].latency_p99')).toMatchObject({ verdict: 'worse', gate: false });
    expect(row(result, 'latency.max')).toMatchObject({ verdict: 'worse', gate: false, note: 'not gated: one message decides it' });
    expect(result.regression).toBe(true);
    const onlyNoisy = compareReports(base, tweak((r) => {
      r.metrics.latency.max *= 3;
      r.metrics.per_step[1]!.latency.p99 *= 2;
    }));
    expect(onlyNoisy.regression).toBe(false);
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
  const result = compareReports(base, tweak((r) => (r.metrics.latency.p50 *= 1.3)));

  it('prints an aligned text table with the verdict, and says one run cannot tell noise from change', () => {
    const out = formatCompare(result);
    expect(out).toMatch(/^latency\.p50\s+6\.77 ms\s+8\.8 ms\s+\+30 %\s+▼ worse$/m);
    expect(out).toMatch(/^latency\.max \(info\) .* not gated: one message decides it$/m);
    expect(out).toContain('One run cannot tell noise from change (BASE and NEW have one run): compared by the noise band ±10 %');
    expect(out.trimEnd().split('\n').at(-1)).toBe('REGRESSION in latency.p50');
  });

  it('prints a Markdown table', () => {
    const out = formatCompare(result, 'markdown');
    expect(out).toContain('| metric | base | next | Δ | verdict | note |');
    expect(out).toMatch(/\| latency\.p50 \| 6\.77 ms \| 8\.8 ms \| \+30 % \| 🔴 worse \|  \|/);
    expect(out.split('\n')[0]).toBe('### 🔴 REGRESSION in latency.p50');
  });
});
