/**
 * One timer for the core's "wake me at" requests: keeps only the earliest,
 * so a burst of sends does not create a burst of timers.
 */
import type { Clock } from './clock.js';

export class Waker {
  private timer: NodeJS.Timeout | undefined;
  private dueAt: number | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly onWake: () => void,
  ) {}

  /** Calls onWake at (or soon after) monotonic time `at`, unless an earlier wake is already set. */
  at(at: number): void {
    if (this.stopped || (this.dueAt !== undefined && this.dueAt <= at)) return;
    clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => {
      this.dueAt = undefined;
      this.timer = undefined;
      this.onWake();
    }, Math.max(0, at - this.clock.monotonic()));
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
