/**
 * `/u/NAME/…`: the user's own area. With a session for NAME it is reverse-proxied
 * to NAME's peer UI (HTTP and WebSocket); while the peer starts, `/u/NAME/` shows
 * the progress page. No session or a bad one: 401. A session for anyone else: 403,
 * whatever NAME is (so it also tells nothing about which names exist). Requests that
 * change state (anything but GET/HEAD/OPTIONS) and WebSocket handshakes must also
 * be same-origin.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { crossOriginProblem } from '../auth/csrf.js';
import type { DispatcherContext } from '../context.js';
import { HttpError, clientAddress, redirect, sendHtml, sendJson, wantsJson } from '../http/respond.js';
import { retryAfterSeconds, userHome } from '../login/login-routes.js';
import { messagePage, progressPage } from '../pages/pages.js';
import type { PeerInstance } from '../spawners/spawner.js';
import type { Upstream } from './forward-headers.js';
import { proxyHttp } from './http-proxy.js';
import { writeRawResponse } from './raw-response.js';
import { proxyUpgrade } from './ws-proxy.js';

/** `/u/NAME/rest?query` → NAME and `/rest?query`; undefined when the URL is not in a user area. */
export function splitUserPath(url: string): { name: string; rest: string } | undefined {
  const match = /^\/u\/([^/?#]*)(\/[^#]*|\?[^#]*)?$/.exec(url);
  if (!match) return undefined;
  return { name: match[1]!, rest: match[2] ?? '' };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

type Owner = { user: string; sid: string };

/** Who may use this area: the session's user when it is NAME; otherwise an HttpError (401/403). */
async function owner(req: IncomingMessage, name: string, ctx: DispatcherContext): Promise<Owner> {
  const who = await ctx.auth.authenticate(req);
  if (who.kind === 'none') throw new HttpError(401, 'Log in to reach your peer.');
  if (who.kind === 'invalid') throw new HttpError(401, 'Your session is not valid (it expired or you logged out). Log in again.', { 'set-cookie': ctx.auth.clearCookie() });
  if (who.session.user !== name) throw new HttpError(403, 'This is not your peer.');
  return { user: who.session.user, sid: who.session.sid };
}

function upstreamOf(instance: PeerInstance, user: string): Upstream {
  // A peer built without a web UI has no webUrl: nothing to proxy to.
  if (!URL.canParse(instance.webUrl)) throw new HttpError(502, 'Your peer is running, but it serves no web page (this build of peerlab has no peer web UI).');
  return { webUrl: new URL(instance.webUrl), webToken: instance.webToken, prefix: `/u/${user}` };
}

/** An HTTP request under /u/. */
export async function userAreaRequest(req: IncomingMessage, res: ServerResponse, ctx: DispatcherContext, name: string, rest: string): Promise<void> {
  const { user, sid } = await owner(req, name, ctx);
  if (!SAFE_METHODS.has(req.method ?? '')) {
    const crossOrigin = crossOriginProblem(req, ctx.secure);
    if (crossOrigin) throw new HttpError(403, `refused: ${crossOrigin}`);
  }
  // `/u/NAME` → `/u/NAME/`, so the UI's relative URLs resolve under the prefix.
  if (!rest.startsWith('/')) return redirect(res, userHome(user), {}, 308);
  const assignment = ctx.pool.status(user);
  if (assignment?.state === 'ready') {
    const instance = assignment.instance;
    ctx.activity.touch(user, ctx.now());
    // Registered like a WebSocket: the page's event stream is a long-lived response, and a logout or cull must end it too.
    const unregister = ctx.sockets.add(user, sid, () => res.destroy());
    res.once('close', unregister);
    proxyHttp(req, res, rest, upstreamOf(instance, user), { address: clientAddress(req), secure: ctx.secure }, {
      onTraffic: () => ctx.activity.touch(user, ctx.now()),
      onGone: () => ctx.pool.forget(user, instance.instanceId),
      onError: (status, message) => {
        if (res.headersSent) return void res.destroy();
        if (wantsJson(req) || rest !== '/') sendJson(res, status, { error: message });
        else sendHtml(res, status, messagePage('Your peer is not answering', message, { href: '/', text: 'Reload' }));
      },
    });
    return;
  }
  // No peer answering yet: the home page shows progress (and starts the peer if need be); anything else waits.
  const home = rest === '/' || rest.startsWith('/?');
  if (!home || !SAFE_METHODS.has(req.method ?? '')) {
    return sendJson(res, 503, { state: assignment?.state ?? 'none', error: 'your peer is not running yet' }, { headers: { 'retry-after': '2' } });
  }
  if (assignment?.state !== 'starting') {
    if (!ctx.pool.canAdmit(user)) {
      const seconds = retryAfterSeconds(ctx);
      return sendHtml(res, 429, messagePage('Every peer is in use', `Try again in ${seconds} s.`, { href: '/', text: 'Back' }), { headers: { 'retry-after': String(seconds) } });
    }
    void ctx.pool.acquire(user).catch(() => undefined);
  }
  const step = ctx.pool.status(user);
  sendHtml(res, 200, progressPage(user, step?.state === 'starting' ? step.step : 'starting'));
}

/** A WebSocket handshake under /u/. */
export async function userAreaUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: DispatcherContext, name: string, rest: string): Promise<void> {
  // Cross-site WebSocket hijacking: a browser always sends Origin on a WebSocket handshake.
  const crossOrigin = crossOriginProblem(req, ctx.secure);
  if (crossOrigin) return writeRawResponse(socket, 403, `refused: ${crossOrigin}`);
  let who: Owner;
  try {
    who = await owner(req, name, ctx);
  } catch (err) {
    if (err instanceof HttpError) return writeRawResponse(socket, err.status, err.message, err.headers);
    throw err;
  }
  const assignment = ctx.pool.status(who.user);
  if (assignment?.state !== 'ready' || !rest.startsWith('/')) return writeRawResponse(socket, 503, 'your peer is not running yet', { 'retry-after': '2' });
  const instance = assignment.instance;
  let upstream: Upstream;
  try {
    upstream = upstreamOf(instance, who.user);
  } catch (err) {
    if (err instanceof HttpError) return writeRawResponse(socket, err.status, err.message);
    throw err;
  }
  let unregister = () => {};
  proxyUpgrade(req, socket, head, rest, upstream, { address: clientAddress(req), secure: ctx.secure }, {
    onTraffic: () => ctx.activity.touch(who.user, ctx.now()),
    onGone: () => ctx.pool.forget(who.user, instance.instanceId),
    onOpen: (close) => {
      unregister = ctx.sockets.add(who.user, who.sid, close);
    },
    onClose: () => unregister(),
  });
}
