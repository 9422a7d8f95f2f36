export { median, medianConfidenceInterval, ascending, type ConfidenceInterval } from './median.js';
export { mannWhitneyU, type MannWhitneyResult, type MannWhitneyOptions } from './mann-whitney.js';
export { holmBonferroni, type HolmResult } from './holm.js';
export { shiftConfidenceInterval, type ShiftInterval } from './shift-interval.js';
export { coefficientOfVariation, madOverMedian } from './spread.js';
export { normalSurvival } from './normal.js';
export { standardNormal } from './standard-normal.js';
export { taroneFamily } from './tarone.js';
