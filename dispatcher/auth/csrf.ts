/**
 * CSRF protection, two layers on every POST:
 * 1. A strict same-origin check: a browser sends `Origin` on every POST; it must be
 *    exactly this dispatcher's origin (scheme + Host). `Origin: null` and foreign
 *    origins are refused. With no Origin, `Sec-Fetch-Site` (when sent) must say
 *    same-origin. A request with neither comes from a script, not a browser, and
 *    cannot carry a victim's cookies on an attacker's behalf.
 * 2. For POSTs made with a session (logout, the admin API): a token tied to the
 *    session, HMAC(key, session id), in the form field `csrf` or the header
 *    `X-CSRF-Token`. Login has no session yet: there the Origin check and the
 *    SameSite=Strict cookie carry it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const DOMAIN = 'peerlab-dispatcher-csrf-v1\0';

/** The CSRF token for the session `sid`. */
export function csrfToken(key: Buffer, sid: string): string {
  return createHmac('sha256', key).update(DOMAIN).update(sid).digest('base64url');
}

/** True when `given` is the token for `sid` (constant time). */
export function csrfTokenValid(key: Buffer, sid: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length > 100) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(csrfToken(key, sid));
  return a.length === b.length && timingSafeEqual(a, b);
}

/** This dispatcher's origin as the browser sees it: `http(s)://` + the Host header. */
export function ownOrigin(req: IncomingMessage, secure: boolean): string | undefined {
  const host = req.headers.host;
  if (typeof host !== 'string' || !/^[A-Za-z0-9.:[\]-]{1,300}$/.test(host)) return undefined;
  return `${secure ? 'https' : 'http'}://${host.toLowerCase()}`;
}

/** Says why a state-changing request is not same-origin, or undefined when it is. */
export function crossOriginProblem(req: IncomingMessage, secure: boolean): string | undefined {
  const expected = ownOrigin(req, secure);
  if (!expected) return 'the request has no usable Host header';
  const origin = req.headers.origin;
  if (origin !== undefined) {
    return origin.toLowerCase() === expected ? undefined : `Origin ${JSON.stringify(origin.slice(0, 100))} is not ${expected}`;
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site is ${JSON.stringify(String(site).slice(0, 40))}`;
  return undefined;
}
