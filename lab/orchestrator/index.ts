export { executeRun, DRAIN_MS, type RunOptions, type RunOutcome, type RunRecord, type RunStatus } from './run.js';
export { runRepeated, runScenario, type RepeatOptions } from './repeat.js';
export { progressFor, silentProgress, describeStep, type Progress } from './progress.js';
export { StepFailure, RunInterrupted } from './errors.js';
export { assertRuntimeSupports } from './supported.js';
