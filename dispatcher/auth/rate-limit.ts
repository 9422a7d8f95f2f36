/**
 * Login rate limits: a sliding window of failed attempts per key (a user name,
 * a client address). At the limit the key is refused, without checking the
 * password, until its oldest failure leaves the window; the refusal says when
 * (Retry-After). Only failures count, so 20 tabs of one user logging in at once
 * all get in, while guessing is held to a handful of tries per window. Memory is
 * bounded: at most `maxKeys` keys, the stalest dropped first.
 */

export interface RateLimit {
  /** Failures allowed inside the window. */
  maxFailures: number;
  windowMs: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterMs: number };

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    readonly limit: RateLimit,
    private readonly maxKeys = 100_000,
  ) {}

  /** May `key` try now? */
  check(key: string, nowMs: number): Admission {
    const times = this.recent(key, nowMs);
    if (times.length < this.limit.maxFailures) return { ok: true };
    return { ok: false, retryAfterMs: times[times.length - this.limit.maxFailures]! + this.limit.windowMs - nowMs };
  }

  /** Records a failed attempt by `key`. */
  fail(key: string, nowMs: number): void {
    const times = this.recent(key, nowMs);
    times.push(nowMs);
    // Keep only what the check can ever look at.
    if (times.length > this.limit.maxFailures) times.splice(0, times.length - this.limit.maxFailures);
    this.failures.delete(key); // re-insert: Map order is then least recently failed first
    this.failures.set(key, times);
    if (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
  }

  /** Forgets `key`'s failures (a user who got their password right). */
  reset(key: string): void {
    this.failures.delete(key);
  }

  /** Keys currently tracked (for tests of the memory bound). */
  get size(): number {
    return this.failures.size;
  }

  private recent(key: string, nowMs: number): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const fresh = times.filter((t) => nowMs - t < this.limit.windowMs);
    if (fresh.length === 0) this.failures.delete(key);
    else if (fresh.length !== times.length) this.failures.set(key, fresh);
    return fresh;
  }
}

/** Default limits: 5 failed logins per user and 20 per address in 5 minutes. */
export const LOGIN_LIMITS = {
  perUser: { maxFailures: 5, windowMs: 5 * 60_000 },
  perAddress: { maxFailures: 20, windowMs: 5 * 60_000 },
} as const;
