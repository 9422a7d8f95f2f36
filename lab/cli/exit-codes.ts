/**
 * The lab's exit codes, as bin/peerlab.ts documents them (repeated here because
 * importing the bin would run the program). Interrupts exit 128 + the signal number,
 * as shells do.
 */
export const EXIT = { ok: 0, sloFailed: 1, regression: 2, infrastructure: 3, usage: 64 } as const;

/** 128 + signal number: 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(signal: string): number {
  return signal === 'SIGTERM' ? 143 : signal === 'SIGHUP' ? 129 : 130;
}
