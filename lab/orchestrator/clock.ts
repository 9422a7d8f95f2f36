import { performance } from 'node:perf_hooks';

/**
 * The lab's monotonic clock: milliseconds since the run started. Every history event's
 * `t` comes from here, so wall-clock jumps (NTP) never bend a latency.
 */
export class LabClock {
  private readonly origin = performance.now();

  /** Milliseconds since the run started, to the microsecond. */
  now(): number {
    return Math.round((performance.now() - this.origin) * 1000) / 1000;
  }
}
