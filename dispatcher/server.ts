/**
 * The dispatcher: one HTTP(S) server that routes to the login pages, the user
 * areas (reverse proxy to each user's peer), the admin area and /healthz; the
 * warm pool; the idle culler. Stopping it closes the server and its sockets but
 * leaves every peer running: a restarted dispatcher rebuilds its assignments
 * from the spawner.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { listenOn } from '../peer/listen.js';
import type { Duplex } from 'node:stream';
import { adminRoute } from './admin/admin-routes.js';
import { loadOrCreateKey } from './auth/keys.js';
import { FailureLimiter, LOGIN_LIMITS, type RateLimit } from './auth/rate-limit.js';
import { Revocations } from './auth/revocations.js';
import { SessionAuth } from './auth/session-auth.js';
import type { DispatcherContext } from './context.js';
import { Activity } from './culling/activity.js';
import { IdleCuller } from './culling/culler.js';
import type { EventSink } from './events.js';
import { HttpError, sendAsset, sendHtml, sendJson, wantsJson } from './http/respond.js';
import { login, logout, peerStatus, showLogin, showLogout } from './login/login-routes.js';
import { ASSETS } from './pages/assets.js';
import { messagePage } from './pages/pages.js';
import { PeerPool, messageOf } from './pool/pool.js';
import { OpenSockets } from './proxy/open-sockets.js';
import { writeRawResponse } from './proxy/raw-response.js';
import { splitUserPath, userAreaRequest, userAreaUpgrade } from './proxy/user-area.js';
import type { Spawner } from './spawners/spawner.js';
import { UsersStore } from './users/users-file.js';

export interface DispatcherOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  usersFile: string;
  /** Holds the session key and the logout list (and, for the spawner, whatever it keeps). */
  stateDir: string;
  poolSize: number;
  maxUsers: number;
  /** 0: never cull. */
  idleTimeoutMs: number;
  sessionTtlMs: number;
  /** Serve https with this certificate; cookies are then Secure. */
  tls?: { cert: Buffer; key: Buffer };
  loginLimits?: { perUser: RateLimit; perAddress: RateLimit };
  now?: () => number;
}

export const DEFAULT_SESSION_TTL_MS = 12 * 3_600_000;

export class Dispatcher implements AsyncDisposable {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    /** The bound port (still known after stop, so a test can restart on it). */
    readonly port: number,
    readonly context: DispatcherContext,
  ) {}

  /** Starts serving; resolves once the port is bound and the pool rebuilt from the spawner. */
  static async start(spawner: Spawner, options: DispatcherOptions, emit: EventSink): Promise<Dispatcher> {
    const now = options.now ?? Date.now;
    const secure = options.tls !== undefined;
    const users = await new UsersStore(options.usersFile).load();
    const auth = new SessionAuth(
      { key: await loadOrCreateKey(options.stateDir), secure, ttlMs: options.sessionTtlMs, now },
      users,
      await Revocations.load(options.stateDir, now()),
    );
    const pool = new PeerPool(spawner, { size: options.poolSize, maxUsers: options.maxUsers, now }, emit);
    const activity = new Activity();
    const sockets = new OpenSockets();
    const culler = new IdleCuller(pool, activity, { idleTimeoutMs: options.idleTimeoutMs, now }, emit, (user) => sockets.closeUser(user));
    const limits = options.loginLimits ?? LOGIN_LIMITS;
    const context: DispatcherContext = {
      auth,
      users,
      pool,
      activity,
      culler,
      sockets,
      emit,
      now,
      secure,
      loginLimits: { perUser: new FailureLimiter(limits.perUser), perAddress: new FailureLimiter(limits.perAddress) },
    };
    await pool.rebuild();
    const server = secure ? createHttpsServer({ cert: options.tls!.cert, key: options.tls!.key }) : createHttpServer();
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void handleRequest(req, res, context));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void handleUpgrade(req, socket, head, context));
    server.on('clientError', (_err, socket: Duplex) => writeRawResponse(socket, 400, 'bad request'));
    const address = await listenOn(server, options.port, options.host);
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    culler.start();
    return new Dispatcher(server, `${secure ? 'https' : 'http'}://${host}:${address.port}/`, address.port, context);
  }

  /** Stops serving (open connections closed); peers keep running. */
  async stop(): Promise<void> {
    this.context.culler.stop();
    this.context.pool.close();
    this.context.sockets.closeAll();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

async function handleRequest(req: IncomingMessage, res: ServerResponse, ctx: DispatcherContext): Promise<void> {
  try {
    await route(req, res, ctx);
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const known = err instanceof HttpError;
    if (!known) ctx.emit({ type: 'error', code: 'internal', message: `${req.method} ${String(req.url).slice(0, 200)}: ${messageOf(err)}` });
    const status = known ? err.status : 500;
    const message = known ? err.message : 'Something went wrong in the dispatcher; it has been logged.';
    const headers = { ...(known ? err.headers : {}), ...(status === 413 ? { connection: 'close' } : {}) };
    if (wantsJson(req) || req.url?.startsWith('/api/') || req.url?.startsWith('/admin/api/')) sendJson(res, status, { error: message }, { headers });
    else sendHtml(res, status, messagePage(titleOf(status), message), { headers });
  }
}

async function route(req: IncomingMessage, res: ServerResponse, ctx: DispatcherContext): Promise<void> {
  const url = req.url ?? '';
  if (!url.startsWith('/')) throw new HttpError(400, 'expected a path');
  const method = req.method ?? '';
  const path = url.split('?')[0]!;
  const user = splitUserPath(url);
  if (user) return userAreaRequest(req, res, ctx, user.name, user.rest);
  if (path.startsWith('/admin') && (await adminRoute(req, res, ctx, path))) return;
  const get = method === 'GET' || method === 'HEAD';
  if (path === '/' && get) return showLogin(req, res, ctx);
  if (path === '/login' && method === 'POST') return login(req, res, ctx);
  if (path === '/logout' && get) return showLogout(req, res, ctx);
  if (path === '/logout' && method === 'POST') return logout(req, res, ctx);
  if (path === '/api/status' && get) return peerStatus(req, res, ctx);
  if (path === '/healthz' && get) return sendJson(res, 200, { status: 'ok' });
  const asset = path.startsWith('/static/') ? ASSETS.get(path.slice('/static/'.length)) : undefined;
  if (asset && get) return sendAsset(res, asset.type, asset.body);
  if (['/', '/login', '/logout', '/api/status', '/healthz'].includes(path) || asset) throw new HttpError(405, `${method} is not allowed here`);
  throw new HttpError(404, 'There is nothing here.');
}

async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: DispatcherContext): Promise<void> {
  socket.on('error', () => socket.destroy());
  try {
    const user = splitUserPath(req.url ?? '');
    if (!user) return writeRawResponse(socket, 404, 'WebSockets are served under /u/NAME/ only');
    await userAreaUpgrade(req, socket, head, ctx, user.name, user.rest);
  } catch (err) {
    ctx.emit({ type: 'error', code: 'internal', message: `upgrade ${String(req.url).slice(0, 200)}: ${messageOf(err)}` });
    writeRawResponse(socket, 500, 'internal error');
  }
}

function titleOf(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad request',
    401: 'Please log in',
    403: 'Not allowed',
    404: 'Not found',
    405: 'Method not allowed',
    413: 'Too large',
    415: 'Unsupported form',
    429: 'Too many requests',
    500: 'Dispatcher error',
  };
  return titles[status] ?? `HTTP ${status}`;
}
