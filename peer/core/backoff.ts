/**
 * Reconnection backoff per peer, without IO: exponential with full jitter
 * (so peers that lost a common neighbour do not redial in lockstep).
 * The caller passes `now` and a random source.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 10_000 };

interface State {
  failures: number;
  notBefore: number;
}

/** Tracks failed attempts per key and when the next attempt may start. */
export class Backoff {
  private readonly states = new Map<string, State>();

  constructor(
    private readonly options: BackoffOptions,
    /** Uniform in [0, 1): injected, so a seeded run jitters the same way every time. */
    private readonly random: () => number,
  ) {}

  /** True when an attempt for `key` may start now. */
  mayTry(key: string, now: number): boolean {
    const state = this.states.get(key);
    return state === undefined || now >= state.notBefore;
  }

  /** Records a failure; returns when the next attempt may start. */
  failed(key: string, now: number): number {
    const state = this.states.get(key) ?? { failures: 0, notBefore: now };
    state.failures++;
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * 2 ** (state.failures - 1));
    state.notBefore = now + Math.max(this.options.initialMs / 2, this.random() * ceiling);
    this.states.set(key, state);
    return state.notBefore;
  }

  /** Records a success: the next failure starts from the initial delay. */
  succeeded(key: string): void {
    this.states.delete(key);
  }

  /** When `key` may next be tried, if it is backing off. */
  notBefore(key: string): number | undefined {
    return this.states.get(key)?.notBefore;
  }
}
