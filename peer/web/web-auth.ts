/**
 * Who may use the web UI. Two ways in:
 * - `Authorization: Bearer TOKEN` with the --web-token (what a dispatcher's proxy adds);
 * - the UI's own session cookie, which only the one-time login URL hands out
 *   (standalone, without --web-token). The secret in that URL works once.
 * Secrets are compared as sha256 digests with timingSafeEqual, so a compare takes
 * the same time whatever the guess; sessions are looked up by the digest of the
 * cookie, so a lookup's timing says nothing about any cookie's value.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Sessions held at once; a new one beyond this ends the oldest. */
const MAX_SESSIONS = 64;
/** 32 random bytes in base64url: the shape of every secret and cookie value here. */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;
/** Cookie pairs looked at in one header; a longer header is someone's junk. */
const MAX_COOKIE_PAIRS = 50;

export interface WebAuthOptions {
  /** The bearer token; '' when standalone (then only the login URL lets anyone in). */
  token: string;
  /** Name of the session cookie; one per peer, since cookies are shared across ports of a host. */
  cookieName: string;
  /** How long a session lasts. */
  sessionLifetimeMs: number;
  /** Wall clock, ms. */
  now(): number;
}

/** How a request proved itself. */
export type Credential = 'bearer' | 'cookie';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export class WebAuth {
  private readonly tokenDigest: Buffer | undefined;
  private loginDigest: Buffer | undefined;
  /** sha256 (hex) of each live session cookie → when it expires. */
  private readonly sessions = new Map<string, number>();

  constructor(private readonly options: WebAuthOptions) {
    this.tokenDigest = options.token === '' ? undefined : digest(options.token);
  }

  /** True when a bearer token guards the UI (a dispatcher in front), so no login URL is offered. */
  get hasToken(): boolean {
    return this.tokenDigest !== undefined;
  }

  /** A new one-time login secret, replacing any unused one; undefined when a token guards the UI. */
  newLoginSecret(): string | undefined {
    if (this.hasToken) return undefined;
    const secret = newSecret();
    this.loginDigest = digest(secret);
    return secret;
  }

  /** Spends the login secret: a new session cookie value, or undefined when the secret is wrong or used. */
  login(presented: string): string | undefined {
    const expected = this.loginDigest;
    if (!expected || !SECRET_SHAPE.test(presented) || !timingSafeEqual(digest(presented), expected)) return undefined;
    this.loginDigest = undefined;
    const session = newSecret();
    this.sweep();
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(digest(session).toString('hex'), this.options.now() + this.options.sessionLifetimeMs);
    return session;
  }

  /** The Set-Cookie header for a session: HttpOnly, SameSite=Strict, no Path (so it stays under the page's own prefix). */
  sessionCookie(value: string): string {
    return `${this.options.cookieName}=${value}; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(this.options.sessionLifetimeMs / 1000)}`;
  }

  /** How a request is authenticated, or undefined when it is not. Never throws, whatever the headers hold. */
  authenticate(headers: IncomingHttpHeaders): Credential | undefined {
    if (this.tokenDigest) {
      const match = /^Bearer ([!-~]+)$/i.exec(headers.authorization ?? '');
      if (match && timingSafeEqual(digest(match[1]!), this.tokenDigest)) return 'bearer';
    }
    for (const value of this.cookieValues(headers.cookie)) {
      const expires = this.sessions.get(digest(value).toString('hex'));
      if (expires !== undefined && expires > this.options.now()) return 'cookie';
    }
    return undefined;
  }

  /** Values of this UI's cookie in a Cookie header that have the shape of a session (others are forged or junk). */
  private cookieValues(header: string | undefined): string[] {
    if (!header) return [];
    const values: string[] = [];
    for (const pair of header.split(';').slice(0, MAX_COOKIE_PAIRS)) {
      const at = pair.indexOf('=');
      if (at < 0 || pair.slice(0, at).trim() !== this.options.cookieName) continue;
      const value = pair.slice(at + 1).trim();
      if (SECRET_SHAPE.test(value)) values.push(value);
    }
    return values;
  }

  private sweep(): void {
    const now = this.options.now();
    for (const [key, expires] of this.sessions) if (expires <= now) this.sessions.delete(key);
  }
}
