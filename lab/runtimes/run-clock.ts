/**
 * The clock a run is timed by. Real runtimes run on wall time; the simulator on virtual
 * time that jumps to the next event. The orchestrator reads the time and sets every
 * timer of its step logic (sleeps, waits, load arrivals, samples) through the runtime's
 * clock, so the same step code drives a real fleet and a simulated one.
 */
import { performance } from 'node:perf_hooks';

export interface RunClock {
  /** True for virtual time (the report marks its times as simulated). */
  readonly simulated: boolean;
  /** Milliseconds on this clock, from an origin of its own. */
  now(): number;
  /** Calls `fn` once `ms` have passed on this clock; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
  /**
   * The lab settled something in reaction to what it was told (a wait's condition now
   * holds): on virtual time its continuation must run before time moves on. Wall time
   * needs nothing (absent).
   */
  settled?(): void;
}

/** Wall time: performance.now() and setTimeout. */
export const wallClock: RunClock = {
  simulated: false,
  now: () => performance.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};
