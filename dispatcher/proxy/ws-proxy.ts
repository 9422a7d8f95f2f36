/**
 * Forwards a WebSocket upgrade to the user's peer UI: the handshake goes through
 * node's HTTP client with the same header rewriting as plain requests (bearer
 * token added, browser credentials and our cookies removed); a 101 is passed on
 * with rewritten headers and then bytes flow both ways untouched; any other answer
 * (say 401 or 404 from the peer) is passed on as a plain response and the socket closed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { requestToPeer, responseHeadersToBrowser, type ClientInfo, type Upstream } from './forward-headers.js';
import { UPSTREAM_RESPONSE_TIMEOUT_MS } from './http-proxy.js';
import { writeRawResponse } from './raw-response.js';

export interface UpgradeHooks {
  onTraffic(): void;
  onGone(error: Error): void;
  /** The two sockets are joined; `close` ends both (logout, cull). */
  onOpen(close: () => void): void;
  onClose(): void;
}

/** Proxies the upgrade request `req` (its `socket` and already-read `head`) to the peer at `path`. */
export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string, upstream: Upstream, client: ClientInfo, hooks: UpgradeHooks): void {
  const outgoing = requestToPeer(req, path, upstream, client, true, UPSTREAM_RESPONSE_TIMEOUT_MS);
  socket.on('error', () => outgoing.destroy());
  outgoing.on('timeout', () => outgoing.destroy(new Error('the peer did not answer the WebSocket handshake in time')));
  outgoing.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET') hooks.onGone(err);
    writeRawResponse(socket, 502, 'your peer is not answering');
  });
  // Not upgraded: pass the peer's answer on (status and rewritten headers), then close.
  outgoing.on('response', (incoming) => {
    const headers = responseHeadersToBrowser(incoming.headers, upstream);
    const chunks: Buffer[] = [];
    incoming.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c));
    incoming.on('end', () => writeRawResponse(socket, incoming.statusCode ?? 502, Buffer.concat(chunks).toString('utf8'), headers));
  });
  outgoing.on('upgrade', (incoming, peerSocket, peerHead) => {
    outgoing.setTimeout(0);
    const headers = responseHeadersToBrowser(incoming.headers, upstream);
    const lines = [`HTTP/1.1 101 ${incoming.statusMessage ?? 'Switching Protocols'}`, 'Connection: Upgrade', `Upgrade: ${incoming.headers.upgrade ?? 'websocket'}`];
    for (const [name, value] of Object.entries(headers)) {
      for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) lines.push(`${name}: ${String(v).replace(/[\r\n]/g, '')}`);
    }
    if (socket.destroyed) {
      peerSocket.destroy();
      return;
    }
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (peerHead.length > 0) socket.write(peerHead);
    if (head.length > 0) peerSocket.write(head);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      socket.destroy();
      peerSocket.destroy();
      hooks.onClose();
    };
    hooks.onOpen(close);
    hooks.onTraffic();
    peerSocket.on('data', () => hooks.onTraffic());
    socket.on('data', () => hooks.onTraffic());
    peerSocket.pipe(socket);
    socket.pipe(peerSocket);
    peerSocket.on('close', close);
    socket.on('close', close);
    peerSocket.on('error', close);
    socket.on('error', close);
  });
  outgoing.end();
}
