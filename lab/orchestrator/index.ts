export { runScenario, DRAIN_MS, type RunOptions, type RunOutcome, type RunStatus } from './run.js';
export { progressFor, silentProgress, describeStep, type Progress } from './progress.js';
export { StepFailure, RunInterrupted } from './errors.js';
export { assertRuntimeSupports } from './supported.js';
