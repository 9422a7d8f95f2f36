export { median, medianConfidenceInterval, ascending, type ConfidenceInterval } from './median.js';
export { mannWhitneyU, type MannWhitneyResult, type MannWhitneyOptions } from './mann-whitney.js';
export { holmBonferroni, type HolmResult } from './holm.js';
export { shiftConfidenceInterval, type ShiftInterval } from './shift-interval.js';
export { coefficientOfVariation, madOverMedian } from './spread.js';
export { normalSurvival } from './normal.js';
