import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findCookie, withoutCookies } from './cookie-header.js';
import { MAX_COOKIE_CHARS, newSession, sessionSetCookie, signSession, verifySession } from './session-cookie.js';

const key = randomBytes(32);
const NOW = 1_700_000_000_000;
const good = signSession(key, { user: 'alice', sid: 'c2lkc2lkc2lkc2lkc2lk', expiresAtMs: NOW + 60_000 });
const [payload, mac] = good.split('.') as [string, string];

/** A cookie whose payload is `fields` (any JSON), correctly signed with `k`, the way our signer does it. */
function signedRaw(fields: unknown, k = key): string {
  const p = Buffer.from(JSON.stringify(fields)).toString('base64url');
  return `${p}.${createHmac('sha256', k).update('peerlab-dispatcher-session-v1\0').update(p).digest('base64url')}`;
}

describe('session cookie', () => {
  it('verifies what it signed, until it expires', () => {
    const session = newSession('alice', NOW, 60_000);
    const value = signSession(key, session);
    expect(verifySession(key, value, NOW + 59_999)).toEqual({ ok: true, session });
    expect(verifySession(key, value, NOW + 60_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('gives each session its own random id', () => {
    expect(newSession('alice', NOW, 1).sid).not.toBe(newSession('alice', NOW, 1).sid);
  });

  // The forged-cookie matrix: every case is refused with a reason, none throws.
  const forged: [string, string, 'malformed' | 'signature' | 'expired'][] = [
    ['empty', '', 'malformed'],
    ['one part (payload only)', payload, 'malformed'],
    ['two parts, empty signature', `${payload}.`, 'malformed'],
    ['two parts, empty payload', `.${mac}`, 'malformed'],
    ['three parts (a JWT shape)', `eyJhbGciOiJub25lIn0.${payload}.${mac}`, 'malformed'],
    ['a JWT with alg none', `eyJhbGciOiJub25lIn0.${payload}.`, 'malformed'],
    ['huge', `${'A'.repeat(MAX_COOKIE_CHARS)}.${mac}`, 'malformed'],
    ['bad base64 characters', `${payload}!.${mac}`, 'malformed'],
    ['standard base64 with padding', `${Buffer.from('{"v":1}').toString('base64')}.${mac}`, 'malformed'],
    ['signature of the wrong length', `${payload}.${mac.slice(0, 20)}`, 'malformed'],
    // A character in the middle: the last one carries 2 unused bits, so changing it may not change the bytes.
    ['wrong signature', `${payload}.${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`, 'signature'],
    ['signed with another key', signSession(randomBytes(32), { user: 'alice', sid: 'x', expiresAtMs: NOW + 60_000 }), 'signature'],
    ['payload changed to another user', `${Buffer.from(JSON.stringify({ v: 1, u: 'bob', s: 'c2lk', e: NOW + 60_000 })).toString('base64url')}.${mac}`, 'signature'],
    ['signed, but not JSON', (() => {
      const p = Buffer.from('not json').toString('base64url');
      return `${p}.${createHmac('sha256', key).update('peerlab-dispatcher-session-v1\0').update(p).digest('base64url')}`;
    })(), 'malformed'],
    ['signed, JSON null', signedRaw(null), 'malformed'],
    ['signed, wrong version', signedRaw({ v: 2, u: 'alice', s: 'c2lk', e: NOW + 60_000 }), 'malformed'],
    ['signed, user not a user name', signedRaw({ v: 1, u: '../bob', s: 'c2lk', e: NOW + 60_000 }), 'malformed'],
    ['signed, expiry a string', signedRaw({ v: 1, u: 'alice', s: 'c2lk', e: String(NOW + 60_000) }), 'malformed'],
    ['expired', signedRaw({ v: 1, u: 'alice', s: 'c2lk', e: NOW - 1 }), 'expired'],
  ];
  it.each(forged)('refuses a cookie that is %s', (_name, value, reason) => {
    expect(verifySession(key, value, NOW)).toEqual({ ok: false, reason });
  });

  it('sets HttpOnly, SameSite=Strict, an expiry, and Secure with the __Host- name over https', () => {
    const plain = sessionSetCookie('v', NOW + 3_600_000, NOW, false);
    expect(plain).toBe('peerlab_session=v; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict');
    expect(sessionSetCookie('v', NOW + 3_600_000, NOW, true)).toBe('__Host-peerlab_session=v; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure');
  });
});

describe('Cookie header', () => {
  it('finds one cookie, and calls two of ours malformed (cookie tossing)', () => {
    expect(findCookie('a=1; peerlab_session=xyz; b=2', 'peerlab_session')).toEqual({ kind: 'one', value: 'xyz' });
    expect(findCookie('a=1', 'peerlab_session')).toEqual({ kind: 'none' });
    expect(findCookie(undefined, 'peerlab_session')).toEqual({ kind: 'none' });
    expect(findCookie('peerlab_session=a; peerlab_session=b', 'peerlab_session')).toEqual({ kind: 'malformed' });
    expect(findCookie(`peerlab_session=${'x'.repeat(20_000)}`, 'peerlab_session')).toEqual({ kind: 'malformed' });
  });

  it('removes only the named cookies', () => {
    expect(withoutCookies('a=1; peerlab_session=xyz; b=2', ['peerlab_session'])).toBe('a=1; b=2');
    expect(withoutCookies('peerlab_session=xyz', ['peerlab_session'])).toBeUndefined();
    expect(withoutCookies(undefined, ['peerlab_session'])).toBeUndefined();
  });
});
