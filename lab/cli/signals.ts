import { RunInterrupted } from '../orchestrator/errors.js';

/** What to do on a second signal, when the user has stopped waiting for a clean end. */
export type Emergency = () => void;

/**
 * SIGINT/SIGTERM abort the run: it stops its steps, kills its peers and still writes the
 * report. A second signal kills the peers at once (`emergency`) and exits. Returns the
 * signal to pass to the run, and a function that removes the handlers.
 */
export function interruptOnSignals(emergency: Emergency, exitCode: (signal: string) => number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      emergency();
      process.exit(exitCode(signal));
    }
    process.stderr.write(`\npeerlab: ${signal}: stopping the run and its peers (again to force)\n`);
    controller.abort(new RunInterrupted(signal));
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const s of signals) process.on(s, handler);
  // Last line of defence: whatever ends this process, no peer outlives it.
  const onExit = () => emergency();
  process.on('exit', onExit);
  return {
    signal: controller.signal,
    dispose() {
      for (const s of signals) process.off(s, handler);
      process.off('exit', onExit);
    },
  };
}
