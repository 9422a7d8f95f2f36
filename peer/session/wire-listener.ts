/**
 * The wire port's own TCP listener: it sees every socket before gRPC does, so
 * it can count connections per remote address, refuse one over the cap at
 * once, and close one that has not proven itself within the handshake timeout
 * (the rules are ConnectionAdmission's). Admitted sockets are handed to the
 * gRPC server through its connection injector.
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Clock } from '../clock.js';
import { ConnectionAdmission } from '../core/connection-admission.js';
import type { Counters } from '../counters.js';
import { Waker } from '../waker.js';
import { listenOn } from '../listen.js';

export interface WireListenerOptions {
  host: string;
  port: number;
  /** Connections carrying no authenticated session allowed from one address. */
  connectionsPerAddress: number;
  /** How long a connection may go without completing a Handshake or Exchange, or carrying a session. */
  handshakeTimeoutMs: number;
  clock: Clock;
  counters: Counters;
}

/** What the session layer reports about a connection, named by grpc-js's `call.getPeer()`. */
export interface ConnectionEvents {
  progressed(peer: string): void;
  sessionOpened(peer: string): void;
  sessionClosed(peer: string): void;
}

export class WireListener implements ConnectionEvents {
  private readonly net: NetServer = createServer();
  private readonly injector: grpc.ConnectionInjector;
  private readonly sockets = new Map<string, Socket>();
  private readonly admission: ConnectionAdmission;
  private readonly waker: Waker;
  private boundPort = 0;
  private closing: Promise<void> | undefined;

  /** Feeds the connections it admits to `server` (services may be added until `listen`). */
  constructor(
    server: grpc.Server,
    private readonly options: WireListenerOptions,
  ) {
    this.injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    this.admission = new ConnectionAdmission({ perAddress: options.connectionsPerAddress, timeoutMs: options.handshakeTimeoutMs });
    this.waker = new Waker(options.clock, () => this.closeExpired());
    this.net.on('connection', (socket) => this.accept(socket));
  }

  /** The port it listens on (once `listen` resolved). */
  get port(): number {
    return this.boundPort;
  }

  /** Listens on the options' host and port (0 picks one); resolves with the port. */
  async listen(): Promise<number> {
    const { host, port, counters } = this.options;
    const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const address = await listenOn(this.net, port, host).catch((err: Error) => {
      throw new Error(`cannot listen on ${target}: ${err.message}`);
    });
    // Errors after listening (EMFILE under a flood) must not end the process.
    this.net.on('error', () => counters.add('wire.listener_errors'));
    this.boundPort = address.port;
    return this.boundPort;
  }

  progressed(peer: string): void {
    this.admission.progressed(peer, this.options.clock.monotonic());
    this.schedule();
  }

  sessionOpened(peer: string): void {
    this.admission.sessionOpened(peer);
    this.updateGauges();
  }

  sessionClosed(peer: string): void {
    this.admission.sessionClosed(peer, this.options.clock.monotonic());
    this.updateGauges();
    this.schedule();
  }

  /** Stops accepting at once; `close` ends what is left. */
  stopAccepting(): void {
    if (this.net.listening) this.net.close();
  }

  /** Closes the listener and every socket still open (after gRPC had its chance to end them gracefully). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.waker.stop();
      this.stopAccepting();
      this.injector.destroy();
      for (const socket of this.sockets.values()) socket.destroy();
      this.sockets.clear();
    })();
    return this.closing;
  }

  private accept(socket: Socket): void {
    const { remoteAddress, remotePort } = socket;
    if (this.closing || remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    // The same string grpc-js's getPeer() gives for this socket, so calls can be matched to it.
    const key = `${remoteAddress}:${remotePort}`;
    if (!this.admission.open(key, normalizeAddress(remoteAddress), this.options.clock.monotonic())) {
      this.options.counters.add('wire.connections.refused.per_address_cap');
      socket.destroy();
      return;
    }
    this.options.counters.add('wire.connections.accepted');
    this.sockets.set(key, socket);
    socket.once('close', () => {
      this.sockets.delete(key);
      this.admission.closed(key);
      this.updateGauges();
    });
    // A reset from the remote is its business; without a listener it would be an uncaught error.
    socket.on('error', () => undefined);
    this.updateGauges();
    this.schedule();
    this.injector.injectConnection(socket);
  }

  private closeExpired(): void {
    for (const key of this.admission.expired(this.options.clock.monotonic())) {
      this.options.counters.add('wire.connections.closed.handshake_timeout');
      this.sockets.get(key)?.destroy();
    }
    this.schedule();
  }

  private schedule(): void {
    const at = this.admission.nextDeadline();
    if (at !== undefined) this.waker.at(at);
  }

  private updateGauges(): void {
    this.options.counters.set('wire.connections.open', this.admission.size);
    this.options.counters.set('wire.connections.unproven', this.admission.unproven);
  }
}

/** An address as the caps count it: an IPv4-mapped IPv6 address ("::ffff:10.0.0.2") as plain IPv4. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
