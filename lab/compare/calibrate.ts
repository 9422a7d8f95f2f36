import type { MetricUnit } from '../metrics/metric-paths.js';
import type { Report } from '../report/types.js';
import { seededRandom } from '../scenario/random.js';
import { coefficientOfVariation, madOverMedian } from '../stats/spread.js';
import { median } from '../stats/median.js';
import { smallestDetectableChange, type Detectable } from './detectable-change.js';
import { gossipRules, perStepRules, RULES } from './metrics-of-interest.js';
import { perRunValues, runMetrics } from './runs.js';
import { notGatedBecause } from './sample-size.js';

export interface CalibrateOptions {
  /** Repeats per side to size for (3, 5 and 10). */
  repeats?: number[];
  /** compare's family-wise false-alarm rate. */
  alpha?: number;
  /** compare's practical threshold. */
  minChange?: number;
  /** Share of compares that must catch the change. */
  power?: number;
  /** Simulated compares per change tried. */
  simulations?: number;
  /** Seed of the simulation (not of the runs). */
  seed?: number;
}

export interface CalibrationRow {
  metric: string;
  unit: MetricUnit;
  gate: boolean;
  /** Why the metric does not gate, or why it has no figures. */
  note?: string;
  median: number | null;
  /** Sample sd / mean over the runs. */
  cv: number | null;
  /** Median absolute deviation / median. */
  madOverMedian: number | null;
  /** Per entry of `repeats`: the smallest change compare would flag; empty when the metric does not gate. */
  detectable: Detectable[];
}

export interface Calibration {
  scenario: string;
  runtime: string;
  runs: number;
  /** Runs whose own SLOs failed. */
  failedRuns: number;
  repeats: number[];
  alpha: number;
  /** Gated metrics whose values vary across the runs: Holm's first step tests a lone change at alpha / family. */
  family: number;
  minChange: number;
  power: number;
  simulations: number;
  seed: number;
  rows: CalibrationRow[];
}

/**
 * How noisy each metric is across a report's repeated runs, and the smallest change
 * `lab compare` would catch with 3, 5 or 10 repeats a side (see detectable-change.ts).
 * Needs at least 3 runs; 10 or more give figures worth trusting.
 */
export function calibrate(report: Report, o: CalibrateOptions = {}): Calibration {
  const { repeats = [3, 5, 10], alpha = 0.05, minChange = 0.05, power = 0.8, simulations = 400, seed = 1 } = o;
  const runs = runMetrics(report);
  if (runs.length < 3) throw new NotEnoughRuns(`calibrate needs at least 3 runs to measure their spread, and this report has ${runs.length}: run it with --repeat 10`);
  const rules = [...RULES, ...perStepRules(report.metrics, report.metrics), ...gossipRules(report.metrics, report.metrics)];
  const notes = rules.map((rule) => notGatedBecause(rule, runs));
  // compare's family: gated metrics whose values vary (one equal in every run cannot be significant until it changes).
  const family = Math.max(1, rules.filter((rule, i) => notes[i] === undefined && new Set(perRunValues(rule, runs)).size > 1).length);
  const random = seededRandom(seed);
  const rows = rules.map((rule, i): CalibrationRow => {
    const values = perRunValues(rule, runs);
    const finite = values.every(Number.isFinite);
    const mid = median(values);
    const row = {
      metric: rule.metric, unit: rule.unit, gate: notes[i] === undefined,
      median: Number.isFinite(mid) ? mid : null,
      cv: finite ? numberOrNull(coefficientOfVariation(values)) : null,
      madOverMedian: finite ? numberOrNull(madOverMedian(values)) : null,
    };
    const why = notes[i] ?? (!finite ? 'some runs have no value (never converged)' : mid === 0 ? 'the median is 0: a relative change means nothing; any change beyond the floor is flagged once significant' : undefined);
    if (why) return { ...row, note: why, detectable: [] };
    const detectable = repeats.map((r) => smallestDetectableChange(rule, values, r, { alphaPerTest: alpha / family, minChange, power, simulations, random }));
    return { ...row, detectable };
  });
  return {
    scenario: report.scenario.name, runtime: report.runtime, runs: runs.length,
    failedRuns: report.repeat.runs.filter((r) => r.verdict === 'fail').length,
    repeats, alpha, family, minChange, power, simulations, seed, rows,
  };
}

/** A report with too few runs to measure their spread (a usage error: run with --repeat). */
export class NotEnoughRuns extends Error {
  override readonly name = 'NotEnoughRuns';
}

function numberOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
