/**
 * The lab's TCP proxy between process peers. Each peer's grpc-js dials other peers through
 * it by HTTP CONNECT (the runtime starts every peer with grpc_proxy=http://NAME@HOST:PORT
 * in its environment), so the proxy knows each connection's link: the dialling peer by
 * the name in its proxy URL, the dialled peer by the CONNECT target's port. Every byte of
 * a session then passes through a pair of lab-owned sockets, where the sender's egress
 * shape, a partition (links across the cut reset, new ones held unanswered, as dropped
 * SYNs would be) or a reset apply. One proxy serves a whole run.
 */
import http, { type IncomingMessage } from 'node:http';
import net, { type Socket } from 'node:net';
import type { Egress } from './egress.js';
import { ShapedPipe } from './shaped-pipe.js';
import { listenOn } from '../../../../peer/listen.js';

/** What the proxy asks of the network it serves. */
export interface LinkPolicy {
  egressOf(name: string): Egress;
  /** True while a partition separates `a` and `b`. */
  isCut(a: string, b: string): boolean;
}

/** One open connection, for diagnostics and tests. */
export interface LinkInfo {
  from: string;
  to: string;
  /** Bytes carried from the dialler to the dialled peer, and back. */
  bytesUp: number;
  bytesDown: number;
}

/** How long a CONNECT to a port no peer has claimed yet waits (the peer may have just started). */
const PORT_WAIT_MS = 5_000;

/** A CONNECT the proxy has accepted but not answered. */
interface Pending {
  from: string;
  to: string;
  client: Socket;
  head: Buffer;
  host: string;
  port: number;
}

/** One proxied connection: the dialler's socket, the socket to the dialled peer, a pipe each way. */
class Link {
  private pipes: ShapedPipe[] = [];

  constructor(
    readonly from: string,
    readonly to: string,
    readonly client: Socket,
    readonly upstream: Socket,
  ) {}

  /** Starts carrying bytes; each direction shaped by its sender's egress. */
  open(head: Buffer, policy: LinkPolicy): void {
    const up = new ShapedPipe(this.client, this.upstream, () => policy.egressOf(this.from));
    const down = new ShapedPipe(this.upstream, this.client, () => policy.egressOf(this.to));
    up.pushHead(head);
    this.pipes = [up, down];
  }

  info(): LinkInfo {
    return { from: this.from, to: this.to, bytesUp: this.pipes[0]?.bytes ?? 0, bytesDown: this.pipes[1]?.bytes ?? 0 };
  }

  /** Both ends see a connection reset (RST), whatever was queued is dropped. */
  reset(): void {
    for (const pipe of this.pipes) pipe.close();
    for (const socket of [this.client, this.upstream]) resetSocket(socket);
  }
}

/**
 * Sends a RST and destroys the socket. A socket whose writing side was already ended
 * (a FIN sent, its shutdown maybe still pending) is destroyed plainly: resetting it then
 * (uv_tcp_close_reset after uv_shutdown) left the worker thread spinning, unable to exit.
 */
function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.writableEnded || socket.connecting) {
    socket.destroy();
    return;
  }
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** Answers a CONNECT with an error status and closes the socket. */
function refuse(socket: Socket, status: number, reason: string, text: string): void {
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

/** The peer named in `Proxy-Authorization: Basic base64(NAME)` (grpc-js sends the URL's user that way). */
export function diallerOf(req: IncomingMessage): string | undefined {
  const header = req.headers['proxy-authorization'];
  const match = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(header.trim()) : null;
  if (!match) return undefined;
  const user = Buffer.from(match[1]!, 'base64').toString('utf8').split(':')[0]!;
  try {
    return decodeURIComponent(user) || undefined;
  } catch {
    return undefined;
  }
}

/** `127.0.0.1:4000` → host and port, when the host is on this machine's loopback. */
export function loopbackTarget(authority: string | undefined): { host: string; port: number } | undefined {
  let url: URL;
  try {
    url = new URL(`http://${authority ?? ''}`);
  } catch {
    return undefined;
  }
  const port = Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const loopback = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === 'localhost' || host === '::1';
  return loopback && Number.isInteger(port) && port > 0 ? { host, port } : undefined;
}

export class LinkProxy {
  private readonly links = new Set<Link>();
  private readonly held = new Set<Pending>();
  private readonly portOwners = new Map<number, string>();
  private readonly portWaiters = new Map<number, Set<() => void>>();

  private constructor(
    private readonly server: http.Server,
    private readonly policy: LinkPolicy,
  ) {
    server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => void this.onConnect(req, client, head));
    server.on('request', (_req, res: http.ServerResponse) => res.writeHead(405, { 'Content-Type': 'text/plain' }).end('only CONNECT: this is the lab\'s link proxy\n'));
    server.on('clientError', (_err, socket: Socket) => socket.destroy());
    // An accept that fails (EMFILE on a crowded host) concerns one connection, which the peer
    // dials again; the proxy keeps listening rather than take the run down with it.
    server.on('error', () => undefined);
  }

  /** Listens on `host` (loopback), any free port. */
  static async start(policy: LinkPolicy, host = '127.0.0.1'): Promise<LinkProxy> {
    const server = http.createServer({ requestTimeout: 0 });
    await listenOn(server, 0, host);
    return new LinkProxy(server, policy);
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** `name` takes peer connections on `port` (said again after every start: a restart may move it). */
  setPeerPort(name: string, port: number): void {
    for (const [p, owner] of this.portOwners) if (owner === name && p !== port) this.portOwners.delete(p);
    this.portOwners.set(port, name);
    for (const wake of this.portWaiters.get(port) ?? []) wake();
    this.portWaiters.delete(port);
  }

  /** Resets every link the policy now cuts; new ones across the cut are held. Returns how many were reset. */
  applyCut(): number {
    return this.resetWhere((link) => this.policy.isCut(link.from, link.to));
  }

  /** Lets held CONNECTs the policy no longer cuts through; returns how many. */
  releaseHeld(): number {
    let released = 0;
    for (const pending of [...this.held]) {
      if (this.policy.isCut(pending.from, pending.to)) continue;
      this.held.delete(pending);
      if (pending.client.destroyed) continue;
      this.open(pending);
      released++;
    }
    return released;
  }

  /** Resets every link that `peers` dialled or were dialled on; returns how many. */
  reset(peers: ReadonlySet<string>): number {
    return this.resetWhere((link) => peers.has(link.from) || peers.has(link.to));
  }

  /** The open links. */
  linkInfo(): LinkInfo[] {
    return [...this.links].map((link) => link.info());
  }

  /** How many CONNECTs wait for a heal. */
  get heldCount(): number {
    return this.held.size;
  }

  async close(): Promise<void> {
    for (const link of this.links) link.reset();
    for (const pending of this.held) pending.client.destroy();
    this.links.clear();
    this.held.clear();
    for (const waiters of this.portWaiters.values()) for (const wake of waiters) wake();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private resetWhere(match: (link: Link) => boolean): number {
    let count = 0;
    for (const link of [...this.links]) {
      if (!match(link)) continue;
      this.links.delete(link);
      link.reset();
      count++;
    }
    return count;
  }

  private async onConnect(req: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    client.on('error', () => client.destroy());
    const from = diallerOf(req);
    if (from === undefined) {
      refuse(client, 407, 'Proxy Authentication Required', 'name the dialling peer in the proxy URL: grpc_proxy=http://NAME@HOST:PORT\n');
      return;
    }
    const target = loopbackTarget(req.url);
    if (!target) {
      refuse(client, 403, 'Forbidden', `the lab's link proxy only connects to loopback peers, not ${req.url}\n`);
      return;
    }
    const to = await this.ownerOf(target.port, client);
    if (client.destroyed) return;
    if (to === undefined) {
      refuse(client, 502, 'Bad Gateway', `no peer of this run takes connections on port ${target.port} (waited ${PORT_WAIT_MS} ms)\n`);
      return;
    }
    const pending: Pending = { from, to, client, head, ...target };
    if (this.policy.isCut(from, to)) {
      // A dropped SYN: no answer at all until the heal (or until the dialler gives up).
      this.held.add(pending);
      client.once('close', () => this.held.delete(pending));
      return;
    }
    this.open(pending);
  }

  /** The peer on `port`, waiting a while for one that has just started. */
  private async ownerOf(port: number, client: Socket): Promise<string | undefined> {
    if (this.portOwners.has(port)) return this.portOwners.get(port);
    await new Promise<void>((resolve) => {
      const waiters = this.portWaiters.get(port) ?? new Set();
      this.portWaiters.set(port, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        client.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, PORT_WAIT_MS);
      waiters.add(done);
      client.once('close', done);
    });
    return this.portOwners.get(port);
  }

  /** Connects to the dialled peer; answers 200 once connected, as a direct dial would succeed. */
  private open(pending: Pending): void {
    const { client, from, to } = pending;
    const upstream = net.connect({ host: pending.host, port: pending.port, allowHalfOpen: true, noDelay: true });
    client.setNoDelay(true);
    const link = new Link(from, to, client, upstream);
    this.links.add(link);
    let connected = false;
    const forget = () => {
      if (client.destroyed && upstream.destroyed) this.links.delete(link);
    };
    upstream.once('connect', () => {
      connected = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      link.open(pending.head, this.policy);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) refuse(client, 502, 'Bad Gateway', `cannot reach ${to} on port ${pending.port}: ${err.code ?? err.message}\n`);
      else client.destroy();
    });
    // An error on one side ends the other; a graceful end travels through the pipes.
    client.on('error', () => upstream.destroy());
    client.on('close', forget);
    upstream.on('close', forget);
  }
}
