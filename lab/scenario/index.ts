export type * from './types.js';
export { ScenarioError } from './errors.js';
export { parseDuration, formatDuration } from './duration.js';
export { loadScenario, parseScenario, withSeed, DEFAULT_SEED, MAX_REPEAT } from './parse.js';
export { evaluateSlos, parseSlo, type SloResult } from './slo.js';
export { seededRandom, pickDistinct, deriveSeed } from './random.js';
export { STEP_KINDS } from './steps.js';
