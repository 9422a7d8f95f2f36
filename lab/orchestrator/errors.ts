/**
 * A step failed because of the product, not the lab: a `wait_for` timed out. The run
 * stops, the report says why, and the CLI exits 1 (like a missed SLO).
 */
export class StepFailure extends Error {
  override readonly name = 'StepFailure';
}

/** The run was interrupted (SIGINT/SIGTERM); carries the signal's name. */
export class RunInterrupted extends Error {
  override readonly name = 'RunInterrupted';

  constructor(readonly signal: string) {
    super(`interrupted by ${signal}`);
  }
}

/** The error an AbortSignal was aborted with, as an Error. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new RunInterrupted(String(reason ?? 'abort'));
}
