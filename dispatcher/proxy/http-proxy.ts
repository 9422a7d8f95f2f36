/**
 * Forwards one HTTP request from the browser to the user's peer UI and streams
 * the answer back (SSE included: nothing is buffered). Traffic either way counts
 * as activity. A peer that refuses the connection is reported to `onGone`, so
 * the next visit starts a new one instead of failing forever.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestToPeer, responseHeadersToBrowser, type ClientInfo, type Upstream } from './forward-headers.js';

export interface ProxyHooks {
  /** Called on every chunk either way (throttled by the caller if need be). */
  onTraffic(): void;
  /** The peer did not answer at all (connection refused or reset before a response). */
  onGone(error: Error): void;
  /** Writes an error page when nothing has been sent yet. */
  onError(status: 502 | 504, message: string): void;
}

/** How long the peer may take to start answering a request. */
export const UPSTREAM_RESPONSE_TIMEOUT_MS = 30_000;

/** Proxies `req` (path already stripped of the prefix: `path`) to the peer. */
export function proxyHttp(req: IncomingMessage, res: ServerResponse, path: string, upstream: Upstream, client: ClientInfo, hooks: ProxyHooks): void {
  const outgoing = requestToPeer(req, path, upstream, client, false);
  let answered = false;
  const responseTimer = setTimeout(() => {
    if (answered) return;
    outgoing.destroy(new Error(`no answer from the peer within ${UPSTREAM_RESPONSE_TIMEOUT_MS} ms`));
  }, UPSTREAM_RESPONSE_TIMEOUT_MS);
  outgoing.on('response', (incoming) => {
    answered = true;
    clearTimeout(responseTimer);
    hooks.onTraffic();
    res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, responseHeadersToBrowser(incoming.headers, upstream));
    incoming.on('data', () => hooks.onTraffic());
    incoming.pipe(res);
    incoming.on('error', () => res.destroy());
  });
  outgoing.on('error', (err: NodeJS.ErrnoException) => {
    clearTimeout(responseTimer);
    if (answered) {
      res.destroy();
      return;
    }
    if (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET' || err.code === 'EHOSTUNREACH') hooks.onGone(err);
    const timedOut = err.message.startsWith('no answer');
    hooks.onError(timedOut ? 504 : 502, timedOut ? 'your peer did not answer in time' : 'your peer is not answering; reload to start it again');
  });
  // The browser went away (tab closed, SSE stream dropped): let the peer know.
  res.on('close', () => {
    clearTimeout(responseTimer);
    if (!res.writableFinished) outgoing.destroy();
  });
  req.on('data', () => hooks.onTraffic());
  req.pipe(outgoing);
}
