import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './rate-limit.js';

describe('FailureLimiter', () => {
  const limit = { maxFailures: 3, windowMs: 1000 };

  it('allows up to the limit of failures, then says when to come back', () => {
    const limiter = new FailureLimiter(limit);
    for (let t = 0; t < 3; t += 1) {
      expect(limiter.check('k', t * 100)).toEqual({ ok: true });
      limiter.fail('k', t * 100);
    }
    // Failures at 0, 100, 200: the one at 0 leaves the window at 1000.
    expect(limiter.check('k', 250)).toEqual({ ok: false, retryAfterMs: 750 });
    expect(limiter.check('k', 999)).toEqual({ ok: false, retryAfterMs: 1 });
    expect(limiter.check('k', 1000)).toEqual({ ok: true });
    expect(limiter.check('other', 250)).toEqual({ ok: true });
  });

  it('forgets a key on reset', () => {
    const limiter = new FailureLimiter(limit);
    for (let i = 0; i < 3; i += 1) limiter.fail('k', 0);
    expect(limiter.check('k', 1).ok).toBe(false);
    limiter.reset('k');
    expect(limiter.check('k', 1).ok).toBe(true);
  });

  it('keeps failing keys blocked for a full window after their last failure', () => {
    const limiter = new FailureLimiter(limit);
    for (let t = 0; t < 10; t += 1) limiter.fail('k', t * 400);
    // last three at 2800, 3200, 3600: blocked until 2800 + 1000
    expect(limiter.check('k', 3700)).toEqual({ ok: false, retryAfterMs: 100 });
  });

  it('holds at most maxKeys keys, dropping the stalest', () => {
    const limiter = new FailureLimiter(limit, 100);
    for (let i = 0; i < 1000; i += 1) limiter.fail(`k${i}`, 0);
    expect(limiter.size).toBe(100);
    for (let i = 0; i < 3; i += 1) limiter.fail('k999', 0);
    expect(limiter.check('k999', 1).ok).toBe(false);
  });
});
