import { describe, expect, it } from 'vitest';
import { WebAuth } from './web-auth.js';

const HOUR = 3600_000;

function auth(token = '', clock = { now: 0 }) {
  return new WebAuth({ token, cookieName: 'peerlab_abc', sessionLifetimeMs: HOUR, now: () => clock.now });
}

const withCookie = (value: string) => ({ cookie: `peerlab_abc=${value}` });

describe('WebAuth', () => {
  it('hands out a session for the login secret once, and only the newest secret works', () => {
    const a = auth();
    const old = a.newLoginSecret()!;
    const secret = a.newLoginSecret()!;
    expect(a.login(old)).toBeUndefined();
    const session = a.login(secret)!;
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.login(secret)).toBeUndefined();
    expect(a.authenticate(withCookie(session))).toBe('cookie');
  });

  it('ends a session when its lifetime is over', () => {
    const clock = { now: 1_000 };
    const a = auth('', clock);
    const session = a.login(a.newLoginSecret()!)!;
    clock.now += HOUR - 1;
    expect(a.authenticate(withCookie(session))).toBe('cookie');
    clock.now += 1;
    expect(a.authenticate(withCookie(session))).toBeUndefined();
  });

  it('keeps at most 64 sessions: one more ends the oldest', () => {
    const a = auth();
    const sessions = Array.from({ length: 65 }, () => a.login(a.newLoginSecret()!)!);
    expect(a.authenticate(withCookie(sessions[0]!))).toBeUndefined();
    expect(a.authenticate(withCookie(sessions[1]!))).toBe('cookie');
    expect(a.authenticate(withCookie(sessions[64]!))).toBe('cookie');
  });

  it('with a token: the bearer works, no login secret is made, and the cookie says when the session ends', () => {
    const a = auth('a-token-of-sixteen+');
    expect(a.hasToken).toBe(true);
    expect(a.newLoginSecret()).toBeUndefined();
    expect(a.authenticate({ authorization: 'Bearer a-token-of-sixteen+' })).toBe('bearer');
    expect(a.authenticate({ authorization: 'Bearer a-token-of-sixteen-' })).toBeUndefined();
    expect(a.sessionCookie('v')).toBe('peerlab_abc=v; HttpOnly; SameSite=Strict; Max-Age=3600');
  });
});
