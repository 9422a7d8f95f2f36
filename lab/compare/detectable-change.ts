import { mannWhitneyU } from '../stats/mann-whitney.js';
import { median } from '../stats/median.js';
import type { MetricRule } from './metrics-of-interest.js';
import { beyondThreshold, improved } from './threshold.js';

/** Relative changes tried, smallest first (a metric that can only grow past 100 % better is a higher-is-better one: capped below 1). */
const GRID = [0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3];

export interface DetectOptions {
  /** The p a lone changed metric must reach: Holm's first step, alpha / family size. */
  alphaPerTest: number;
  /** compare's practical threshold (relative), besides the rule's floor. */
  minChange: number;
  /** Share of simulated compares that must flag the change (0.8). */
  power: number;
  /** Simulated compares per change tried. */
  simulations: number;
  /** Seeded uniform [0, 1) source. */
  random: () => number;
}

/** The smallest change detected, and whether the noise or compare's practical threshold set it. */
export type Detectable =
  | { change: number; setBy: 'noise' | 'threshold' }
  | { change: null; why: 'never' | 'beyond-grid' };

/**
 * The smallest relative change toward worse that `lab compare` would flag in at least
 * `power` of simulated compares with `repeats` runs on each side. Each simulation draws
 * both sides from the observed per-run values (bootstrap, with replacement), scales the
 * new side by the change, and applies compare's rule for a lone changed metric: one-sided
 * Mann–Whitney p ≤ alphaPerTest and the medians' change beyond the practical threshold.
 * A vanishing jitter breaks the ties resampling makes (real runs of a continuous metric
 * have none), so each test uses the no-ties null distribution.
 */
export function smallestDetectableChange(rule: MetricRule, observed: readonly number[], repeats: number, o: DetectOptions): Detectable {
  if (smallestOneSidedP(repeats) > o.alphaPerTest) return { change: null, why: 'never' };
  const center = Math.abs(median(observed));
  const practical = center === 0 ? Infinity : Math.max(rule.relative ? o.minChange : 0, rule.floor / center);
  const grid = rule.direction === 'higher_is_better' ? GRID.filter((g) => g < 1) : GRID;
  const jitter = 1e-9 * Math.max(1e-12, ...observed.map(Math.abs));
  const draw = (factor: number) => Array.from({ length: repeats }, () => observed[Math.floor(o.random() * observed.length)]! * factor + (o.random() - 0.5) * jitter);
  const needed = Math.ceil(o.power * o.simulations);
  for (const change of grid) {
    const factor = rule.direction === 'lower_is_better' ? 1 + change : 1 - change;
    let flagged = 0;
    for (let s = 0; s < o.simulations && flagged < needed && flagged + (o.simulations - s) >= needed; s++) {
      const base = draw(1);
      const next = draw(factor);
      const mw = mannWhitneyU(next, base);
      const pWorse = rule.direction === 'lower_is_better' ? mw.pGreater : mw.pLess;
      const b = median(base);
      const n = median(next);
      if (pWorse <= o.alphaPerTest && beyondThreshold(rule, b, n, o.minChange) && !improved(rule, b, n)) flagged++;
    }
    if (flagged >= needed) return { change, setBy: grid.find((g) => g >= practical) === change ? 'threshold' : 'noise' };
  }
  return { change: null, why: 'beyond-grid' };
}

/** The smallest one-sided Mann–Whitney p with n runs on each side and no ties: 1 / C(2n, n). */
export function smallestOneSidedP(n: number): number {
  let c = 1;
  for (let i = 1; i <= n; i++) c = (c * (n + i)) / i;
  return 1 / c;
}

/** The largest change tried. */
export const LARGEST_TRIED = GRID.at(-1)!;
