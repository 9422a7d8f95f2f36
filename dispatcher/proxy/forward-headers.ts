/**
 * Header rewriting for the reverse proxy, both ways.
 *
 * To the peer: the browser's Authorization and the dispatcher's own cookies are
 * removed (the peer authenticates the dispatcher by its bearer token, never the
 * browser's credentials); hop-by-hop headers go; Host stays the browser's (so the
 * peer UI's same-origin check compares the Origin the browser sent with the host
 * the browser asked for); X-Forwarded-* say what the browser used, including the
 * prefix `/u/NAME`.
 *
 * To the browser: hop-by-hop headers go; a redirect to the peer's own address
 * becomes one under the prefix; Set-Cookie is scoped to the prefix (so one
 * user's peer cannot set cookies another's sees); any header that would carry
 * the bearer token is dropped.
 */
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { withoutCookies } from '../auth/cookie-header.js';

/** Every cookie name the dispatcher sets; none of them is forwarded to a peer. */
export const DISPATCHER_COOKIES = ['peerlab_session', '__Host-peerlab_session'] as const;

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export interface Upstream {
  /** http://host:port/ of the peer's web UI. */
  webUrl: URL;
  webToken: string;
  /** `/u/NAME`: the prefix the browser sees, without the trailing slash. */
  prefix: string;
}

export interface ClientInfo {
  address: string;
  secure: boolean;
}

/** Headers for the request to the peer. `upgrade` keeps Connection/Upgrade for a WebSocket handshake. */
export function requestHeadersToPeer(headers: IncomingHttpHeaders, upstream: Upstream, client: ClientInfo, upgrade: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const named = new Set(connectionTokens(headers.connection));
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    if (name === 'authorization' || name === 'cookie' || name.startsWith('x-forwarded-') || name === 'forwarded') continue;
    out[name] = value;
  }
  const cookies = withoutCookies(headers.cookie, DISPATCHER_COOKIES);
  if (cookies) out.cookie = cookies;
  out.authorization = `Bearer ${upstream.webToken}`;
  out['x-forwarded-for'] = client.address;
  out['x-forwarded-proto'] = client.secure ? 'https' : 'http';
  if (headers.host) out['x-forwarded-host'] = headers.host;
  out['x-forwarded-prefix'] = upstream.prefix;
  if (upgrade) {
    out.connection = 'Upgrade';
    out.upgrade = headers.upgrade ?? 'websocket';
  }
  return out;
}

/** Opens the request to the peer for `req` at `path` (prefix stripped), headers rewritten; `upgrade` for a WebSocket handshake. */
export function requestToPeer(req: IncomingMessage, path: string, upstream: Upstream, client: ClientInfo, upgrade: boolean, timeoutMs?: number): ClientRequest {
  const target = upstream.webUrl;
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return send({
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port,
    method: req.method,
    path,
    headers: requestHeadersToPeer(req.headers, upstream, client, upgrade),
    ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}),
  });
}

/** Headers for the response to the browser. */
export function responseHeadersToBrowser(headers: IncomingHttpHeaders, upstream: Upstream): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const named = new Set(connectionTokens(headers.connection));
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    if (carriesToken(value, upstream.webToken)) continue;
    if (name === 'set-cookie') out[name] = (value as string[]).map((cookie) => scopeCookie(cookie, upstream.prefix));
    else if (name === 'location') out[name] = rewriteLocation(String(value), upstream);
    else out[name] = value;
  }
  return out;
}

/** A Set-Cookie from the peer, limited to the user's prefix and to this host. */
export function scopeCookie(cookie: string, prefix: string): string {
  const [pair, ...attributes] = cookie.split(';');
  let path = '/';
  const kept: string[] = [];
  for (const attribute of attributes) {
    const [rawName, ...rest] = attribute.split('=');
    const name = rawName!.trim().toLowerCase();
    if (name === 'domain') continue;
    if (name === 'path') {
      path = rest.join('=').trim() || '/';
      continue;
    }
    kept.push(attribute.trim());
  }
  const scoped = path.startsWith('/') ? `${prefix}${path}` : `${prefix}/`;
  return [pair!.trim(), `Path=${scoped}`, ...kept].join('; ');
}

/** A Location from the peer: relative stays; `/x` and the peer's own origin become `/u/NAME/x`; anything else stays (the browser will go there). */
export function rewriteLocation(location: string, upstream: Upstream): string {
  if (location.startsWith('/') && !location.startsWith('//')) return `${upstream.prefix}${location}`;
  try {
    const url = new URL(location);
    if (url.origin === upstream.webUrl.origin) return `${upstream.prefix}${url.pathname}${url.search}${url.hash}`;
  } catch {
    // relative: resolved by the browser against the page under the prefix
  }
  return location;
}

function carriesToken(value: string | string[], token: string): boolean {
  return token.length > 0 && (Array.isArray(value) ? value : [value]).some((v) => v.includes(token));
}

function connectionTokens(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
}
