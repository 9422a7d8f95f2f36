/**
 * Who is asking: the session cookie checked (signature, expiry, logout), and the
 * user still in the users file. Anything wrong with the cookie is "invalid"
 * (the routes answer 401), never an exception.
 */
import type { IncomingMessage } from 'node:http';
import type { UserRecord, UsersStore } from '../users/users-file.js';
import { findCookie } from './cookie-header.js';
import type { Revocations } from './revocations.js';
import {
  clearSessionCookie,
  newSession,
  sessionCookieName,
  sessionSetCookie,
  signSession,
  verifySession,
  type Session,
} from './session-cookie.js';

export type Authenticated =
  | { kind: 'none' }
  | { kind: 'invalid'; reason: 'malformed' | 'signature' | 'expired' | 'revoked' | 'unknown-user' }
  | { kind: 'ok'; session: Session; user: UserRecord };

export interface SessionAuthOptions {
  key: Buffer;
  secure: boolean;
  ttlMs: number;
  now: () => number;
}

export class SessionAuth {
  constructor(
    private readonly options: SessionAuthOptions,
    private readonly users: UsersStore,
    private readonly revocations: Revocations,
  ) {}

  get key(): Buffer {
    return this.options.key;
  }

  get secure(): boolean {
    return this.options.secure;
  }

  /** Reads and checks the request's session cookie. */
  async authenticate(req: IncomingMessage): Promise<Authenticated> {
    const cookie = findCookie(req.headers.cookie, sessionCookieName(this.options.secure));
    if (cookie.kind === 'none') return { kind: 'none' };
    if (cookie.kind === 'malformed') return { kind: 'invalid', reason: 'malformed' };
    const verified = verifySession(this.options.key, cookie.value, this.options.now());
    if (!verified.ok) return { kind: 'invalid', reason: verified.reason };
    if (this.revocations.isRevoked(verified.session.sid)) return { kind: 'invalid', reason: 'revoked' };
    const user = await this.users.lookup(verified.session.user);
    if (!user) return { kind: 'invalid', reason: 'unknown-user' };
    return { kind: 'ok', session: verified.session, user };
  }

  /** A new session for `user`, and the Set-Cookie header that stores it. */
  issue(user: string): { session: Session; setCookie: string } {
    const now = this.options.now();
    const session = newSession(user, now, this.options.ttlMs);
    return { session, setCookie: sessionSetCookie(signSession(this.options.key, session), session.expiresAtMs, now, this.options.secure) };
  }

  /** Ends `session` (logout); resolves once that survives a restart. */
  revoke(session: Session): Promise<void> {
    return this.revocations.revoke(session.sid, session.expiresAtMs, this.options.now());
  }

  /** The Set-Cookie header that removes the session cookie. */
  clearCookie(): string {
    return clearSessionCookie(this.options.secure);
  }
}
