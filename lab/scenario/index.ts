export type * from './types.js';
export { ScenarioError } from './errors.js';
export { parseDuration, formatDuration } from './duration.js';
export { loadScenario, parseScenario, DEFAULT_SEED } from './parse.js';
export { evaluateSlos, parseSlo, type SloResult } from './slo.js';
export { seededRandom, pickDistinct } from './random.js';
export { STEP_KINDS } from './steps.js';
