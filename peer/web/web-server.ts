/**
 * The peer's web UI (`peerlab peer --web HOST:PORT`): a chat page served from the
 * same Peer the CLI drives. Node's http module, no framework: this file routes;
 * web-auth.ts says who may come in, web-api.ts answers the JSON API, web-events.ts
 * streams live updates, web-static.ts serves the page's files. Every URL the page
 * uses is relative, so it works unchanged under a proxy's prefix (`/u/NAME/`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LIMITS } from '../limits.js';
import type { Peer } from '../peer.js';
import { splitHostPort } from '../host-port.js';
import { listenOn } from '../listen.js';
import { API_GET, API_POST, toHttpError, type ApiContext } from './web-api.js';
import { WebAuth } from './web-auth.js';
import { LiveEvents } from './web-events.js';
import { checkSameOrigin, readJsonBody } from './web-request.js';
import { HttpError, SECURITY_HEADERS, sendError, sendJson } from './web-response.js';
import { ConflictLog } from './web-state.js';
import { StaticFiles } from './web-static.js';

export interface WebServerOptions {
  /** `host:port` to listen on; port 0 picks a free one. */
  listen: string;
  /** Bearer token to accept; '' for standalone use with a one-time login URL. */
  token: string;
  /** How long a login lasts (default a week). */
  sessionLifetimeMs?: number;
}

const WEEK_MS = 7 * 24 * 3600_000;

/** The host to put in a URL for a person on this machine: a wildcard address is reached on loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export class WebServer implements AsyncDisposable {
  private constructor(
    private readonly server: Server,
    private readonly auth: WebAuth,
    private readonly live: LiveEvents,
    private readonly unsubscribe: () => void,
    /** `http://host:port/`, as a person on this machine would open it. */
    readonly baseUrl: string,
  ) {}

  /** Serves the web UI of `peer`; rejects naming the address when it cannot listen. */
  static async start(peer: Peer, options: WebServerOptions): Promise<WebServer> {
    const split = splitHostPort(options.listen, 0);
    if ('problem' in split) throw new Error(`--web ${options.listen}: ${split.problem}`);
    const files = await StaticFiles.load();
    const auth = new WebAuth({
      token: options.token,
      cookieName: `peerlab_${peer.identity.id.slice(0, 12)}`,
      sessionLifetimeMs: options.sessionLifetimeMs ?? WEEK_MS,
      now: () => Date.now(),
    });
    const conflicts = new ConflictLog();
    const note = (event: Parameters<ConflictLog['note']>[0]) => conflicts.note(event);
    peer.events.on('event', note);
    const live = new LiveEvents(peer);
    const context: ApiContext = { peer, conflicts };
    const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: 16 * 1024 });
    server.maxConnections = 256;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      handle(req, res, { auth, live, files, context }).catch((err: unknown) => sendError(res, toHttpError(err)));
    });
    try {
      await listenOn(server, split.port, split.host);
    } catch (err) {
      live.close();
      peer.events.off('event', note);
      throw new Error(`the web UI cannot listen on ${options.listen}: ${(err as Error).message}`);
    }
    const port = (server.address() as AddressInfo).port;
    return new WebServer(server, auth, live, () => peer.events.off('event', note), `http://${urlHost(split.host)}:${port}/`);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A new one-time login URL (any unused one stops working); undefined when a bearer token guards the UI. */
  newLoginUrl(): string | undefined {
    const secret = this.auth.newLoginSecret();
    return secret === undefined ? undefined : `${this.baseUrl}login?once=${secret}`;
  }

  /** Ends the event streams and closes every connection. */
  async stop(): Promise<void> {
    this.live.close();
    this.unsubscribe();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

interface Parts {
  auth: WebAuth;
  live: LiveEvents;
  files: StaticFiles;
  context: ApiContext;
}

/** Answers one request: the login URL is the only way in without credentials. */
async function handle(req: IncomingMessage, res: ServerResponse, parts: Parts): Promise<void> {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  const url = requestUrl(req.url);
  const method = req.method ?? 'GET';
  if (url.pathname === '/login') return login(req, res, url, parts.auth);
  const credential = parts.auth.authenticate(req.headers);
  if (!credential) {
    const how = parts.auth.hasToken ? 'send Authorization: Bearer with the web token' : 'open the one-time login URL the peer printed';
    throw new HttpError(401, 'unauthorized', `not authenticated: ${how}`);
  }
  const file = parts.files.get(url.pathname);
  const get = API_GET[url.pathname];
  const post = API_POST[url.pathname];
  const isEvents = url.pathname === '/events';
  if (method === 'GET' && file) {
    res.writeHead(200, { 'Content-Type': file.contentType, 'Content-Length': file.body.length, 'Cache-Control': 'no-cache' });
    res.end(file.body);
    return;
  }
  if (method === 'GET' && get) return sendJson(res, 200, get(parts.context, url));
  if (method === 'GET' && isEvents) return parts.live.open(req, res);
  if (method === 'POST' && post) {
    checkSameOrigin(req, credential);
    const body = await readJsonBody(req, LIMITS.controlRequestBytes);
    return sendJson(res, 200, await post(parts.context, body));
  }
  if (file || get || isEvents) throw new HttpError(405, 'method_not_allowed', `${method} ${url.pathname}: use GET`, { Allow: 'GET' });
  if (post) throw new HttpError(405, 'method_not_allowed', `${method} ${url.pathname}: use POST with a JSON body`, { Allow: 'POST' });
  throw new HttpError(404, 'not_found', `no such page: ${url.pathname.slice(0, 100)}`);
}

/** The path and query of a request line; its host part, if any, is ignored ("//x" is a path, not a host). */
function requestUrl(raw = '/'): URL {
  try {
    return new URL(raw.startsWith('/') ? `http://peer.invalid${raw}` : raw);
  } catch {
    throw new HttpError(400, 'bad_request', 'the request URL is malformed');
  }
}

/** `GET /login?once=SECRET`: spends the secret, sets the session cookie, sends the browser to the page. */
function login(req: IncomingMessage, res: ServerResponse, url: URL, auth: WebAuth): void {
  if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'open the login URL with GET', { Allow: 'GET' });
  const session = auth.login(url.searchParams.get('once') ?? '');
  if (session === undefined) {
    throw new HttpError(401, 'unauthorized', 'this login URL is wrong or already used: each works once (restart the peer, or type /web-login in its terminal, for a new one)');
  }
  res.writeHead(303, { Location: './', 'Set-Cookie': auth.sessionCookie(session), 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}
