/** A plain HTTP response written on a raw socket (an upgrade we refuse or cannot complete), then the socket closed. */
import { STATUS_CODES, type OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';

export function writeRawResponse(socket: Duplex, status: number, body: string, headers: OutgoingHttpHeaders = {}): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`];
  const skip = new Set(['content-length', 'transfer-encoding', 'connection']);
  for (const [name, value] of Object.entries(headers)) {
    if (skip.has(name.toLowerCase())) continue;
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) lines.push(`${name}: ${String(v).replace(/[\r\n]/g, '')}`);
  }
  if (!Object.keys(headers).some((n) => n.toLowerCase() === 'content-type')) lines.push('Content-Type: text/plain; charset=utf-8');
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close');
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
