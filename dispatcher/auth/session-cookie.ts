/**
 * The session cookie: `base64url(payload) "." base64url(HMAC-SHA256(key, payload))`.
 * The payload names the user, a random session id (for logout and CSRF tokens)
 * and the expiry. Verification checks the shape before anything else and the
 * MAC in constant time before it parses a byte of the payload, so a forged,
 * truncated, two-part, oversized or garbled cookie is a plain "invalid", never
 * an exception.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isUserName } from '../users/user-name.js';

export interface Session {
  user: string;
  /** Random, 128 bits, base64url. */
  sid: string;
  expiresAtMs: number;
}

export type Verified = { ok: true; session: Session } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

/** A cookie value longer than this is refused unread (ours are about 120 bytes). */
export const MAX_COOKIE_CHARS = 512;
const B64URL = /^[A-Za-z0-9_-]+$/;
const MAC_CHARS = 43; // 32 bytes in base64url, unpadded
const DOMAIN = 'peerlab-dispatcher-session-v1\0';

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(DOMAIN).update(payload).digest();
}

/** A new session for `user`, valid for `ttlMs` from `nowMs`. */
export function newSession(user: string, nowMs: number, ttlMs: number): Session {
  return { user, sid: randomBytes(16).toString('base64url'), expiresAtMs: nowMs + ttlMs };
}

/** The signed cookie value for `session`. */
export function signSession(key: Buffer, session: Session): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, u: session.user, s: session.sid, e: session.expiresAtMs })).toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** Checks a cookie value: shape, signature (constant time), payload, expiry. */
export function verifySession(key: Buffer, value: string, nowMs: number): Verified {
  if (value.length === 0 || value.length > MAX_COOKIE_CHARS) return { ok: false, reason: 'malformed' };
  const parts = value.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [payload, signature] = parts as [string, string];
  if (!B64URL.test(payload) || !B64URL.test(signature) || signature.length !== MAC_CHARS) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(key, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
  // Signed by us, so well-formed unless the key leaked or the format changed: still checked, never trusted blindly.
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof fields !== 'object' || fields === null) return { ok: false, reason: 'malformed' };
  const { v, u, s, e } = fields as Record<string, unknown>;
  if (v !== 1 || typeof u !== 'string' || !isUserName(u) || typeof s !== 'string' || !B64URL.test(s) || typeof e !== 'number') {
    return { ok: false, reason: 'malformed' };
  }
  if (!(nowMs < e)) return { ok: false, reason: 'expired' };
  return { ok: true, session: { user: u, sid: s, expiresAtMs: e } };
}

/** Cookie names: `__Host-` over https, so the browser refuses the cookie from anywhere but this origin's root. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-peerlab_session' : 'peerlab_session';
}

/** The Set-Cookie value that stores `value` until `expiresAtMs`. */
export function sessionSetCookie(value: string, expiresAtMs: number, nowMs: number, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor((expiresAtMs - nowMs) / 1000));
  return `${sessionCookieName(secure)}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that deletes the session cookie. */
export function clearSessionCookie(secure: boolean): string {
  return `${sessionCookieName(secure)}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
