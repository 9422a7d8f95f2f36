/** The clock adapters read; the core never reads one, it is handed `now`. */
export interface Clock {
  /** Wall-clock milliseconds since the epoch (for timestamps people and other peers see). */
  now(): number;
  /** Monotonic milliseconds, for durations. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};
