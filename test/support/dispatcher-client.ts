/**
 * Talking to a dispatcher from tests as a browser would, over real HTTP: raw
 * requests with exactly the headers a test gives (Cookie, Origin, Host), logins
 * that keep the session cookie, and WebSocket-style upgrade handshakes.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request to `base` (the dispatcher's URL) with these headers and body. */
export function http(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The dispatcher's own origin, as a browser on its page would send it. */
export function originOf(base: string): string {
  return new URL(base).origin;
}

/** A form POST as a browser on the dispatcher's page sends it. */
export function postForm(base: string, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  return http(base, 'POST', path, { 'content-type': 'application/x-www-form-urlencoded', origin: originOf(base), ...headers }, new URLSearchParams(fields).toString());
}

/** `name=value` of the first Set-Cookie of an answer (what a browser then sends back). */
export function cookieOf(answer: Answer): string {
  const set = answer.headers['set-cookie']?.[0];
  if (!set) throw new Error(`no Set-Cookie in an answer ${answer.status}: ${answer.body.slice(0, 200)}`);
  return set.split(';')[0]!;
}

/** Logs in; returns the session cookie (`peerlab_session=…`). */
export async function login(base: string, username: string, password: string): Promise<string> {
  const answer = await postForm(base, '/login', { username, password });
  if (answer.status !== 303) throw new Error(`login of ${username}: HTTP ${answer.status}: ${answer.body.slice(0, 300)}`);
  return cookieOf(answer);
}

export interface Upgraded {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  socket?: Socket;
}

/** A WebSocket handshake (the dispatcher only looks at the HTTP part); 101 leaves the socket open. */
export function upgrade(base: string, path: string, headers: Record<string, string> = {}): Promise<Upgraded> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({
      hostname: url.hostname,
      port: url.port,
      path,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        origin: url.origin,
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '', socket }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Writes `text` on an upgraded socket and resolves with the first bytes that come back. */
export function echo(socket: Socket, text: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no echo of ${JSON.stringify(text)} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('data', (data: Buffer) => {
      clearTimeout(timer);
      resolve(data.toString('utf8'));
    });
    socket.write(text);
  });
}

/** Resolves once the socket is closed (by the other side). */
export function closed(socket: Socket, timeoutMs = 5000): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.resume();
  });
}
