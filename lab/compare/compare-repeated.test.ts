/**
 * The statistical compare on synthetic repeated runs with known distributions (seeded):
 * how often it cries wolf on unchanged code, how often it catches a real 10 % change, and
 * what it says on rows it cannot gate.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { upgradeV1 } from '../report/load-report.js';
import { sampleReport } from '../report/sample-report.js';
import type { Baseline, Report, ReportV1 } from '../report/types.js';
import { seededRandom } from '../scenario/random.js';
import { standardNormal } from '../stats/standard-normal.js';
import { compareReports, type CompareResult } from './compare.js';
import { formatCompare } from './format.js';
import { noisyRuns, RUN_NOISE, withLatency } from './noisy-runs.js';

// 1,000 messages per load step, none lost: p50, p90, p99 and each step's p99 have enough samples
// to gate. Latencies set to a loaded run's (p50 20 ms), so that 10 % of each is above the 1 ms
// floor: a 10 % change of a 7 ms p50 is below it and rightly never a regression.
const big = withLatency(sampleReport({ sendsPerStep: 1000, lost: [] }).report, { p50: 20, p90: 28, p99: 45, p99_9: 60, max: 80 });
const small = sampleReport().report; // 100 per step: p99 of ~200 messages

const repeated = (template: Report, n: number, normal: () => number, scale?: Record<string, number>) => noisyRuns(template.metrics, n, normal, { scale });

const LATENCY_10 = { 'latency.p50': 1.1, 'latency.p90': 1.1, 'latency.p99': 1.1, 'latency.p99_9': 1.1, 'latency.max': 1.1, 'per_step.latency_p99': 1.1 };
const row = (r: CompareResult, metric: string) => r.rows.find((x) => x.metric === metric)!;

describe('compare on repeated runs: false alarms and power', () => {
  it('equal distributions: no regression in at least 95 of 100 trials (all gated metrics together)', () => {
    const normal = standardNormal(seededRandom(901));
    let alarms = 0;
    let family = 0;
    for (let trial = 0; trial < 100; trial++) {
      const result = compareReports(repeated(big, 10, normal), repeated(big, 10, normal));
      family = result.family;
      if (result.regression) alarms++;
    }
    expect(family).toBeGreaterThanOrEqual(9); // p50, p90, p99, throughput, discovery, memory ×2, the steps' rate and p99 …
    expect(alarms).toBeLessThanOrEqual(5);
  });

  it('a 10 % latency shift with 10 repeats is flagged in at least 90 of 100 trials', () => {
    const normal = standardNormal(seededRandom(902));
    let flagged = 0;
    for (let trial = 0; trial < 100; trial++) {
      const result = compareReports(repeated(big, 10, normal), repeated(big, 10, normal, LATENCY_10));
      if (result.regression && result.rows.some((r) => r.verdict === 'worse' && r.metric.includes('latency'))) flagged++;
    }
    expect(flagged).toBeGreaterThanOrEqual(90);
  });

  it('a 10 % shift of latency.p50 alone (3 % run-to-run noise) is flagged in at least 90 of 100, and named', () => {
    const normal = standardNormal(seededRandom(903));
    let named = 0;
    for (let trial = 0; trial < 100; trial++) {
      const result = compareReports(repeated(big, 10, normal), repeated(big, 10, normal, { 'latency.p50': 1.1 }));
      if (result.regression && row(result, 'latency.p50').verdict === 'worse') named++;
    }
    expect(named).toBeGreaterThanOrEqual(90);
  });
});

describe('compare on repeated runs: what each row says', () => {
  const normal = standardNormal(seededRandom(904));

  it('prints Δ of the medians, its interval and p, and a regression for a clear shift', () => {
    const result = compareReports(repeated(big, 10, normal), repeated(big, 10, normal, { 'latency.p50': 1.3 }));
    expect(result.method).toBe('test');
    const p50 = row(result, 'latency.p50');
    expect(p50).toMatchObject({ verdict: 'worse', gate: true });
    expect(p50.change!).toBeGreaterThan(0.2);
    expect(p50.test!.significant).toBe(true);
    expect(p50.test!.adjusted).toBe(true);
    expect(p50.test!.interval!.low).toBeGreaterThan(0.15);
    expect(p50.test!.interval!.high).toBeLessThan(0.45);
    const text = formatCompare(result);
    expect(text).toMatch(/^latency\.p50\s+\S+ ms\s+\S+ ms\s+\+\d+ %\s+\[\+\d+ %, \+\d+ %\]\s+<?0\.\d+\s+▼ worse$/m);
    expect(text).toContain('Holm–Bonferroni over the');
    expect(text.trimEnd().split('\n').at(-1)).toBe('REGRESSION in latency.p50');
  });

  it('marks no significant change with ~', () => {
    const result = compareReports(repeated(big, 10, normal), repeated(big, 10, normal));
    expect(formatCompare(result)).toMatch(/^memory\.max_rss_mb\s.*\s~\s*$/m);
  });

  it('shows a percentile with too few samples but does not gate it, and says why on its row', () => {
    const base = repeated(small, 10, normal);
    const next = repeated(small, 10, normal, { 'latency.p99': 3, 'per_step.latency_p99': 3 });
    const result = compareReports(base, next);
    expect(row(result, 'latency.p99')).toMatchObject({ gate: false, note: expect.stringMatching(/^not gated: p99 of 19\d messages in the smallest run \(needs ≥ 1,000\)$/) });
    expect(row(result, 'per_step[20/s].latency_p99').note).toMatch(/^not gated: p99 of 9\d messages in the step in the smallest run \(needs ≥ 1,000\)$/);
    expect(row(result, 'handshake.p50_ms').note).toBe('not gated: p50 of 10 handshakes in the smallest run (needs ≥ 20)');
    expect(row(result, 'latency.p99').verdict).toBe('worse'); // shown as worse …
    expect(result.regression).toBe(false); // … but it does not gate
    expect(formatCompare(result)).toMatch(/^latency\.p99 \(info\) .*not gated: p99 of 19\d messages in the smallest run/m);
  });

  it('counts a significant change within the practical threshold as the same', () => {
    const tiny = standardNormal(seededRandom(905));
    const noise = Object.fromEntries(Object.keys(RUN_NOISE).map((k) => [k, 0.002]));
    const calm = (scale?: Record<string, number>) => noisyRuns(big.metrics, 10, tiny, { noise, scale });
    const result = compareReports(calm(), calm({ 'memory.max_rss_mb': 1.03 }));
    const mem = row(result, 'memory.max_rss_mb');
    expect(mem.test!.significant).toBe(true);
    expect(mem).toMatchObject({ verdict: 'same', note: 'significant, but within ±5 % or 5 MB' });
    expect(result.regression).toBe(false);
  });

  it('counts runs that never converged as the worst runs', () => {
    const base = repeated(big, 6, normal);
    const next = repeated(big, 6, normal);
    for (const run of next.repeat.runs) run.metrics.discovery.converged_ms = null;
    const result = compareReports(base, next);
    expect(row(result, 'discovery.converged_ms')).toMatchObject({ verdict: 'worse', next: null, change: null });
    expect(result.regression).toBe(true);
  });

  it('with 5 against 5 runs still catches a clear shift: metrics equal in every run leave the family', () => {
    const result = compareReports(repeated(big, 5, normal), repeated(big, 5, normal, { 'latency.p50': 1.5 }));
    // 13 gated, less delivery.ratio and delivery.duplicates: .05/11 = .0045 ≥ 1/252, the best 5 vs 5 can do.
    expect(result.family).toBe(11);
    expect(row(result, 'latency.p50').verdict).toBe('worse');
  });

  it('leaves out of the family what cannot be significant, and says so', () => {
    const result = compareReports(repeated(big, 2, normal), repeated(big, 2, normal, { 'latency.p50': 2 }));
    expect(result.family).toBe(0);
    expect(row(result, 'latency.p50').note).toBe('cannot be significant: with 2 against 2 runs the smallest possible p is 0.17, above 0.05');
    expect(result.regression).toBe(false);
    // Every run the same value (no duplicates anywhere): no test to run, nothing to say.
    expect(row(result, 'delivery.duplicates').note).toBeUndefined();
  });
});

describe('compare: the machine each report measured', () => {
  const normal = standardNormal(seededRandom(906));

  const quiet: Baseline = { grpc_echo: { p50_us: 95, p99_us: 210, samples: 2000 }, load_avg: { before: [0.4, 0.5, 0.5], after: [0.9, 0.6, 0.5] }, cpu_steal_percent: { before: 0, after: 0 } };
  const on = (report: Report, baseline: Baseline): Report => ({ ...report, baseline });

  it('shows both baselines and warns when the machine changed', () => {
    const base = on(repeated(big, 5, normal), quiet);
    const next = on(repeated(big, 5, normal), { ...quiet, grpc_echo: { p50_us: 130, p99_us: 215, samples: 2000 }, load_avg: { before: [2.1, 1, 1], after: [2.5, 1, 1] } });
    const result = compareReports(base, next);
    expect(result.machine.warnings).toEqual([
      'the machine changed, not the code: grpc echo p50 95 µs → 130 µs (+37 %, band ±10 %)',
      'the machine changed, not the code: load average 0.65 → 2.30 (+254 %)',
    ]);
    const text = formatCompare(result);
    expect(text).toMatch(/^grpc echo p50\s+95 µs\s+130 µs$/m);
    expect(text).toMatch(/^load average, 1 min \(before → after\)\s+0\.40 → 0\.90\s+2\.10 → 2\.50$/m);
    expect(text).toContain('warning: the machine changed, not the code: grpc echo p50');
    expect(compareReports(base, on(repeated(big, 5, normal), { ...quiet, grpc_echo: { p50_us: 99, p99_us: 200, samples: 1000 } })).machine.warnings).toEqual([]);
  });

  it('says a schema 1 report has no baseline', async () => {
    const v1 = upgradeV1(JSON.parse(await readFile(new URL('../../reports/baselines/smoke.json', import.meta.url), 'utf8')) as ReportV1);
    const result = compareReports(v1, on(repeated(small, 5, normal), quiet));
    expect(result.machine.notes).toEqual(["BASE has no noise baseline (a schema 1 report, from before baselines were measured): the machine's noise cannot be compared"]);
    expect(formatCompare(result)).toMatch(/^grpc echo p50\s+—\s+95 µs$/m);
    // One side has one run: the band rule, said so.
    expect(result.method).toBe('band');
    expect(formatCompare(result)).toContain('One run cannot tell noise from change (BASE has one run): compared by the noise band ±10 %');
  });
});
