/**
 * The admin area, for users marked admin in the users file:
 * - `GET /admin/`: the list page (admin.js);
 * - `GET /admin/api/users`: every user, their peer's state, instance and idle time,
 *   and the CSRF token the page sends back with a stop;
 * - `POST /admin/api/users/NAME/stop`: stops NAME's peer (data kept) and closes
 *   their WebSockets; same-origin and `X-CSRF-Token` required.
 * Never shows a peer's address or token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { csrfToken, csrfTokenValid, crossOriginProblem } from '../auth/csrf.js';
import type { DispatcherContext } from '../context.js';
import { discardBody } from '../http/read-form.js';
import { HttpError, sendHtml, sendJson } from '../http/respond.js';
import { adminPage } from '../pages/pages.js';
import { isUserName } from '../users/user-name.js';

export interface AdminUserRow {
  name: string;
  admin: boolean;
  state: 'none' | 'starting' | 'ready' | 'failed';
  instanceId?: string;
  startedAtMs?: number;
  idleMs?: number;
  step?: string;
}

async function requireAdmin(req: IncomingMessage, ctx: DispatcherContext): Promise<{ user: string; sid: string }> {
  const who = await ctx.auth.authenticate(req);
  if (who.kind === 'none') throw new HttpError(401, 'Log in first.');
  if (who.kind === 'invalid') throw new HttpError(401, 'Your session is not valid. Log in again.', { 'set-cookie': ctx.auth.clearCookie() });
  if (!who.user.admin) throw new HttpError(403, 'Only administrators may see this.');
  return { user: who.session.user, sid: who.session.sid };
}

/** Routes under /admin; returns false when the path is not one of them. */
export async function adminRoute(req: IncomingMessage, res: ServerResponse, ctx: DispatcherContext, path: string): Promise<boolean> {
  const method = req.method ?? '';
  if (path === '/admin' || path === '/admin/') {
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'use GET', { allow: 'GET, HEAD' });
    await requireAdmin(req, ctx);
    sendHtml(res, 200, adminPage());
    return true;
  }
  if (path === '/admin/api/users') {
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'use GET', { allow: 'GET, HEAD' });
    const { sid } = await requireAdmin(req, ctx);
    sendJson(res, 200, { ...(await listUsers(ctx)), csrfToken: csrfToken(ctx.auth.key, sid) });
    return true;
  }
  const stop = /^\/admin\/api\/users\/([^/]+)\/stop$/.exec(path);
  if (stop) {
    if (method !== 'POST') throw new HttpError(405, 'use POST', { allow: 'POST' });
    const crossOrigin = crossOriginProblem(req, ctx.secure);
    if (crossOrigin) throw new HttpError(403, `refused: ${crossOrigin}`);
    const { sid } = await requireAdmin(req, ctx);
    if (!csrfTokenValid(ctx.auth.key, sid, req.headers['x-csrf-token'])) throw new HttpError(403, 'refused: the X-CSRF-Token header is missing or wrong');
    await discardBody(req);
    const name = stop[1]!;
    if (!isUserName(name) || (ctx.pool.status(name) === undefined && !(await ctx.users.lookup(name)))) throw new HttpError(404, `no user ${JSON.stringify(name.slice(0, 40))}`);
    ctx.sockets.closeUser(name);
    await ctx.pool.stop(name, 'admin');
    ctx.activity.forget(name);
    sendJson(res, 200, { stopped: name });
    return true;
  }
  return false;
}

/** The rows of the admin list: every user in the file, and anyone with a peer. */
export async function listUsers(ctx: DispatcherContext): Promise<{ users: AdminUserRow[]; active: number; vacant: number; maxUsers: number }> {
  const rows = new Map<string, AdminUserRow>();
  for (const name of await ctx.users.names()) {
    rows.set(name, { name, admin: (await ctx.users.lookup(name))?.admin ?? false, state: 'none' });
  }
  for (const [name, assignment] of ctx.pool.entries()) {
    const row: AdminUserRow = rows.get(name) ?? { name, admin: false, state: 'none' };
    row.state = assignment.state;
    if (assignment.state === 'ready') {
      row.instanceId = assignment.instance.instanceId;
      row.startedAtMs = assignment.instance.startedAtMs;
      row.idleMs = ctx.culler.idleMs(name);
    }
    if (assignment.state === 'starting') row.step = assignment.step;
    rows.set(name, row);
  }
  return { users: [...rows.values()].sort((a, b) => a.name.localeCompare(b.name)), active: ctx.pool.activeCount, vacant: ctx.pool.vacantCount, maxUsers: ctx.pool.maxUsers };
}
