/**
 * `GET /`, `POST /login`, `GET|POST /logout`, `GET /api/status`.
 *
 * Login order matters: the same-origin check, then the rate limits (before any
 * password is checked, so a blocked guesser learns nothing), then the password
 * (an unknown user costs one scrypt too), then --max-users, and only then a
 * session. The peer is acquired in the background; the browser is sent (303) to
 * `/u/NAME/`, which shows the start progress until the peer answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { csrfToken, csrfTokenValid, crossOriginProblem } from '../auth/csrf.js';
import type { DispatcherContext } from '../context.js';
import { readForm } from '../http/read-form.js';
import { HttpError, clientAddress, redirect, sendHtml, sendJson } from '../http/respond.js';
import { loginPage, logoutPage } from '../pages/pages.js';
import { MAX_PASSWORD_BYTES, decoyHash, verifyPassword } from '../users/password.js';
import { isUserName } from '../users/user-name.js';

/** `GET /`: the login form, or straight to the user's peer when the session is good. */
export async function showLogin(req: IncomingMessage, res: ServerResponse, ctx: DispatcherContext): Promise<void> {
  const who = await ctx.auth.authenticate(req);
  if (who.kind === 'ok') return redirect(res, userHome(who.session.user));
  // A stale cookie is removed here, so the login form is not followed by a 401.
  sendHtml(res, 200, loginPage(), who.kind === 'invalid' ? { headers: { 'set-cookie': ctx.auth.clearCookie() } } : {});
}

/** `POST /login` with form fields `username` and `password`. */
export async function login(req: IncomingMessage, res: ServerResponse, ctx: DispatcherContext): Promise<void> {
  const crossOrigin = crossOriginProblem(req, ctx.secure);
  if (crossOrigin) throw new HttpError(403, `login refused: ${crossOrigin}`);
  const form = await readForm(req);
  const username = form.get('username') ?? '';
  const password = form.get('password') ?? '';
  const address = clientAddress(req);
  const now = ctx.now();

  const blocked = [ctx.loginLimits.perAddress.check(address, now), ctx.loginLimits.perUser.check(username, now)].flatMap((a) => (a.ok ? [] : [a.retryAfterMs]));
  if (blocked.length > 0) {
    const seconds = Math.max(1, Math.ceil(Math.max(...blocked) / 1000));
    ctx.emit({ type: 'login_failed', user: username, address, reason: 'rate_limited' });
    return sendHtml(res, 429, loginPage(`Too many failed logins. Try again in ${seconds} s.`), { headers: { 'retry-after': String(seconds) } });
  }

  const plausible = isUserName(username) && password.length > 0 && Buffer.byteLength(password) <= MAX_PASSWORD_BYTES;
  const record = plausible ? await ctx.users.lookup(username) : undefined;
  const ok = record ? await verifyPassword(password, record.password) : await verifyPassword(password.slice(0, MAX_PASSWORD_BYTES), await decoyHash()).then(() => false);
  if (!ok) {
    ctx.loginLimits.perAddress.fail(address, ctx.now());
    ctx.loginLimits.perUser.fail(username, ctx.now());
    ctx.emit({ type: 'login_failed', user: username, address, reason: 'password' });
    return sendHtml(res, 401, loginPage('Wrong user name or password.', isUserName(username) ? username : ''));
  }
  ctx.loginLimits.perUser.reset(username);

  if (!ctx.pool.canAdmit(username)) {
    const seconds = retryAfterSeconds(ctx);
    ctx.emit({ type: 'login_failed', user: username, address, reason: 'capacity' });
    return sendHtml(res, 429, loginPage(`Every peer is in use right now. Try again in ${seconds} s.`, username), {
      headers: { 'retry-after': String(seconds) },
    });
  }

  const { setCookie } = ctx.auth.issue(username);
  ctx.emit({ type: 'login', user: username, address });
  // Not awaited: the progress page at /u/NAME/ shows how it goes.
  void ctx.pool.acquire(username).catch(() => undefined);
  redirect(res, userHome(username), { headers: { 'set-cookie': setCookie } });
}

/** `GET /logout`: a page with the logout button (the POST needs the CSRF token). */
export async function showLogout(req: IncomingMessage, res: ServerResponse, ctx: DispatcherContext): Promise<void> {
  const who = await ctx.auth.authenticate(req);
  if (who.kind !== 'ok') return redirect(res, '/');
  sendHtml(res, 200, logoutPage(who.session.user, csrfToken(ctx.auth.key, who.session.sid)));
}

/** `POST /logout`: ends this session (and its WebSockets); the peer keeps running until idle. */
export async function logout(req: IncomingMessage, res: ServerResponse, ctx: DispatcherContext): Promise<void> {
  const crossOrigin = crossOriginProblem(req, ctx.secure);
  if (crossOrigin) throw new HttpError(403, `logout refused: ${crossOrigin}`);
  const form = await readForm(req);
  const who = await ctx.auth.authenticate(req);
  if (who.kind === 'ok') {
    if (!csrfTokenValid(ctx.auth.key, who.session.sid, form.get('csrf'))) throw new HttpError(403, 'logout refused: the form’s CSRF token is missing or wrong; reload the page');
    await ctx.auth.revoke(who.session);
    ctx.sockets.closeSession(who.session.user, who.session.sid);
    ctx.emit({ type: 'logout', user: who.session.user });
  }
  redirect(res, '/', { headers: { 'set-cookie': ctx.auth.clearCookie() } });
}

/** `GET /api/status`: how this session's peer is doing (the progress page polls it). */
export async function peerStatus(req: IncomingMessage, res: ServerResponse, ctx: DispatcherContext): Promise<void> {
  const who = await ctx.auth.authenticate(req);
  if (who.kind !== 'ok') throw new HttpError(401, 'not logged in');
  const assignment = ctx.pool.status(who.session.user);
  const body =
    assignment === undefined
      ? { state: 'none' }
      : assignment.state === 'starting'
        ? { state: 'starting', step: assignment.step }
        : assignment.state === 'failed'
          ? // The spawner's own words stay in the dispatcher's log: they may name paths and arguments.
            { state: 'failed', error: 'Your peer could not start. Try again; if it keeps failing, tell the administrator.' }
          : { state: 'ready' };
  sendJson(res, 200, { user: who.session.user, ...body });
}

/** The user's own area: a path built from a checked user name only. */
export function userHome(user: string): string {
  if (!isUserName(user)) throw new Error(`not a user name: ${JSON.stringify(user)}`);
  return `/u/${user}/`;
}

/** Seconds until a peer could be free again (the soonest idle cull), for Retry-After. */
export function retryAfterSeconds(ctx: DispatcherContext): number {
  const ms = ctx.culler.nextCullInMs() ?? 60_000;
  return Math.min(3600, Math.max(1, Math.ceil(ms / 1000)));
}
