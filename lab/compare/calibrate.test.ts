/**
 * Calibration on synthetic repeated runs with known noise (seeded): the spread it reports,
 * the smallest detectable change it predicts, and that compare really catches that change.
 */
import { describe, expect, it } from 'vitest';
import { sampleReport } from '../report/sample-report.js';
import { seededRandom } from '../scenario/random.js';
import { standardNormal } from '../stats/standard-normal.js';
import { calibrate, NotEnoughRuns } from './calibrate.js';
import { compareReports } from './compare.js';
import { smallestOneSidedP } from './detectable-change.js';
import { formatCalibration } from './format-calibration.js';
import { noisyRuns, withLatency } from './noisy-runs.js';

const big = withLatency(sampleReport({ sendsPerStep: 1000, lost: [], duplicated: [] }).report, { p50: 20, p90: 28, p99: 45, p99_9: 60, max: 80 });
const tenRuns = noisyRuns(big.metrics, 10, standardNormal(seededRandom(701)));
const calibration = calibrate(tenRuns);
const row = (metric: string) => calibration.rows.find((r) => r.metric === metric)!;

describe('calibrate', () => {
  it('measures the run-to-run spread it was given', () => {
    // latency.p50 was drawn with σ = 3 % (log-normal); 10 runs estimate it within a factor of ~2.
    expect(row('latency.p50').cv!).toBeGreaterThan(0.015);
    expect(row('latency.p50').cv!).toBeLessThan(0.05);
    expect(row('latency.p50').madOverMedian!).toBeGreaterThan(0.005);
    expect(row('latency.p50').madOverMedian!).toBeLessThan(0.04);
    // discovery was drawn with σ = 10 %.
    expect(row('discovery.converged_ms').cv!).toBeGreaterThan(0.05);
    expect(row('delivery.ratio')).toMatchObject({ cv: 0, madOverMedian: 0 });
  });

  it('finds that 3 runs a side can never reach significance across the family, and 5 and 10 can', () => {
    // 13 gated metrics, less delivery.ratio and delivery.duplicates (equal in every run).
    expect(calibration.family).toBe(11);
    expect(smallestOneSidedP(3)).toBeCloseTo(0.05, 12); // 1 / C(6, 3)
    expect(smallestOneSidedP(5)).toBeCloseTo(1 / 252, 12);
    const p50 = row('latency.p50').detectable;
    expect(p50[0]).toEqual({ change: null, why: 'never' });
    expect(p50[1]!.change).not.toBeNull();
    expect(p50[2]!.change!).toBeLessThanOrEqual(p50[1]!.change!);
  });

  it('predicts changes compare really catches: at the 10-run figure, compare flags about 80 % of fresh draws', () => {
    const change = row('latency.p50').detectable[2]!.change!;
    expect(change).toBeGreaterThanOrEqual(0.05); // the ±5 % threshold is the least it can be
    expect(change).toBeLessThanOrEqual(0.1);
    const normal = standardNormal(seededRandom(702));
    let flagged = 0;
    for (let t = 0; t < 100; t++) {
      const result = compareReports(noisyRuns(big.metrics, 10, normal), noisyRuns(big.metrics, 10, normal, { scale: { 'latency.p50': 1 + change } }));
      if (result.rows.find((r) => r.metric === 'latency.p50')!.verdict === 'worse') flagged++;
    }
    // Predicted from 10 observed runs, checked on the true distribution: allow for the estimate's error.
    expect(flagged).toBeGreaterThanOrEqual(65);
  });

  it('gives no figures for metrics that do not gate, and says why', () => {
    expect(row('handshake.p50_ms')).toMatchObject({ gate: false, detectable: [], note: 'not gated: p50 of 10 handshakes in the smallest run (needs ≥ 20)' });
    expect(row('delivery.duplicates').note).toMatch(/^the median is 0/);
  });

  it('is reproducible: the same runs and seed give the same figures', () => {
    expect(calibrate(tenRuns)).toEqual(calibration);
  });

  it('refuses a report with fewer than 3 runs', () => {
    expect(() => calibrate(sampleReport().report)).toThrow(NotEnoughRuns);
    expect(() => calibrate(sampleReport().report)).toThrow('calibrate needs at least 3 runs to measure their spread, and this report has 1: run it with --repeat 10');
  });

  it('prints the table and what its marks mean', () => {
    const text = formatCalibration(calibration);
    expect(text.split('\n')[0]).toMatch(/^calibrate sample-churn: 10 runs on process( \(\d+ failed their own SLOs\))?$/);
    expect(text).toMatch(/^metric\s+median\s+CV\s+MAD\/median\s+3 runs\s+5 runs\s+10 runs\s+note$/m);
    expect(text).toMatch(/^latency\.p50\s+[\d.]+ ms\s+[\d.]+ %\s+[\d.]+ %\s+never\s+[\d.]+ %\*?\s+[\d.]+ %\*?$/m);
    expect(text).toContain('never: 3 runs against 3 cannot reach p ≤');
    expect(text).toContain('one-sided Mann–Whitney p ≤ 0.05/');
    expect(formatCalibration(calibration, 'markdown')).toMatch(/^\| latency\.p50 \| /m);
  });
});
