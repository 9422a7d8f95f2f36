/**
 * Writing the dispatcher's own responses: every page and API answer carries the
 * same security headers (a CSP with no inline script, no framing, no sniffing,
 * no referrer to other sites, no caching of anything session-bound).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** As strict as the peer UI's: scripts, styles and fetches from this origin only; nothing inline. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Not no-referrer: under it Chromium sends `Origin: null` with the login and logout form
  // POSTs, which the same-origin check must refuse. same-origin still tells other sites nothing.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export interface ResponseOptions {
  headers?: Record<string, string | string[]>;
  /** Static assets may be cached; everything else is no-store. */
  cacheable?: boolean;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, options: ResponseOptions = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': type,
    'cache-control': options.cacheable ? 'public, max-age=300' : 'no-store',
    'content-length': String(Buffer.byteLength(body)),
    ...options.headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function sendHtml(res: ServerResponse, status: number, html: string, options?: ResponseOptions): void {
  send(res, status, 'text/html; charset=utf-8', html, options);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, options?: ResponseOptions): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), options);
}

export function sendAsset(res: ServerResponse, type: string, body: string): void {
  send(res, 200, type, body, { cacheable: true });
}

/**
 * 303 (or 308) to a path on this origin. Only paths built by the dispatcher itself come
 * here (`/`, `/u/NAME/` with a checked NAME); the check below refuses anything
 * that a browser would read as another origin (`//host`, `/\host`, a scheme).
 */
export function redirect(res: ServerResponse, path: string, options: ResponseOptions = {}, status: 303 | 308 = 303): void {
  if (!isSameOriginPath(path)) throw new Error(`refusing to redirect to ${JSON.stringify(path)}: not a path on this origin`);
  send(res, status, 'text/plain; charset=utf-8', '', { ...options, headers: { ...options.headers, location: path } });
}

/** `/`-rooted, and not `//` or `/\` (which browsers treat as another host). */
export function isSameOriginPath(path: string): boolean {
  return /^\/(?![/\\])[\x21-\x7e]*$/.test(path);
}

/** Status pages in plain words; `detail` is escaped by the page template. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Wants JSON rather than a page (fetch from our scripts, API clients). */
export function wantsJson(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** The client's address (the socket's; no X-Forwarded-For is trusted). */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
