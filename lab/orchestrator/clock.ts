import { wallClock, type RunClock } from '../runtimes/run-clock.js';

/**
 * `ms` on the lab clock's grid (whole microseconds, as `LabClock.now()` reads): a time
 * the step logic waits for must be one the clock can read exactly, or on virtual time a
 * timer for the hair left over would be re-armed at the same instant forever.
 */
export function onLabGrid(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * The lab's monotonic clock: milliseconds since the run started, on the runtime's clock
 * (wall time for real peers, virtual time on the simulator). Every history event's `t`
 * comes from here, so wall-clock jumps (NTP) never bend a latency, and every timer of
 * the step logic is set through `after`, never with setTimeout.
 */
export class LabClock {
  private readonly origin: number;

  constructor(readonly base: RunClock = wallClock) {
    this.origin = base.now();
  }

  /** True when the run's times are virtual (the simulator). */
  get simulated(): boolean {
    return this.base.simulated;
  }

  /** Milliseconds since the run started, to the microsecond. */
  now(): number {
    return onLabGrid(this.base.now() - this.origin);
  }

  /** Calls `fn` after `ms` on the run's clock; returns the cancel function. */
  after(ms: number, fn: () => void): () => void {
    return this.base.after(ms, fn);
  }

  /** A wait settled on something the runtime told the lab: see RunClock.settled. */
  settled(): void {
    this.base.settled?.();
  }
}
