/**
 * The gRPC adapter for sessions: serves the PeerWire API, dials peers, runs
 * the handshake, keeps one sealed stream per peer alive with pings, and
 * redials with backoff. What travels inside sessions is someone else's job
 * (`onItems`).
 */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  type HandshakeInit,
  type HandshakeReply,
  type Item,
  PeerWireClient,
  PeerWireService,
  type SealedFrame,
  type SignedAnnouncement,
} from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { Clock } from '../clock.js';
import { Backoff } from '../core/backoff.js';
import type { Counters } from '../counters.js';
import type { Identity } from '../identity/identity.js';
import { PendingHandshakes } from '../core/pending-handshakes.js';
import { LIMITS, statusDetails } from '../limits.js';
import { FrameCipher } from './frame-cipher.js';
import {
  createInit,
  createReply,
  generateEphemeralKey,
  HandshakeError,
  type SessionKeys,
  verifyInit,
  verifyReply,
} from './handshake.js';
import { Session, type FrameStream } from './session.js';
import { SessionRegistry } from './session-registry.js';
import { normalizeAddress, type ConnectionEvents } from './wire-listener.js';

/** Metadata key naming the session a Session stream belongs to. */
export const SESSION_METADATA_KEY = 'x-peerlab-session';

/** Channel and server options: the frame limit is also gRPC's message limit. */
export const WIRE_GRPC_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': LIMITS.frameBytes + 1024,
  'grpc.max_send_message_length': LIMITS.frameBytes + 1024,
};

export interface SessionManagerOptions {
  identity: Identity;
  name: string;
  grpcPort(): number;
  clock: Clock;
  counters: Counters;
  /** Ping every session this often; close one silent for 3 × this. */
  keepaliveMs: number;
  handshakeTimeoutMs: number;
  /** Where a peer can be dialled, from the peer table. */
  addressOf(peerId: string): { host: string; port: number } | undefined;
  onItems(session: Session, items: Item[]): void;
  onSessionUp(session: Session, handshakeMs: number): void;
  onSessionDown(session: Session, reason: string): void;
  /** Answers an Exchange call (static seeds): the caller's announcement in, ours out. */
  exchange(request: SignedAnnouncement, fromHost: string): SignedAnnouncement;
  /** Told which connections completed a Handshake or Exchange, or carry a session (the wire listener). */
  connections?: ConnectionEvents;
}

interface PendingSession {
  keys: SessionKeys;
  peerId: string;
  peerName: string;
  peerKey: Uint8Array;
}

/** A handshake refused because too many are in progress (RESOURCE_EXHAUSTED: try again later). */
class HandshakeBusyError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'HandshakeBusyError';
  }
}

/** How long an answered handshake waits for its stream. */
const PENDING_TTL_MS = 10_000;
/** How long a session that lost a simultaneous-dial race is still read before it is closed. */
const RETIRE_GRACE_MS = 2_000;

export class SessionManager {
  readonly registry: SessionRegistry;
  private readonly pending = new PendingHandshakes<PendingSession>({
    total: LIMITS.pendingHandshakes,
    perAddress: LIMITS.pendingHandshakesPerAddress,
    perId: LIMITS.pendingHandshakesPerId,
    ttlMs: PENDING_TTL_MS,
  });
  private readonly banned = new Map<string, number>();
  private readonly dialing = new Set<string>();
  private readonly clients = new Map<string, PeerWireClient>();
  private readonly backoff = new Backoff();
  private readonly pings = new Map<number, { resolve: (ms: number) => void; sentAt: number }>();
  private pingNonce = 1;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: SessionManagerOptions) {
    this.registry = new SessionRegistry(options.identity.id);
  }

  /** Mounts the PeerWire service on a gRPC server. */
  addToServer(server: grpc.Server): void {
    server.addService(PeerWireService, {
      exchange: (call: grpc.ServerUnaryCall<SignedAnnouncement, SignedAnnouncement>, callback: grpc.sendUnaryData<SignedAnnouncement>) => {
        let reply: SignedAnnouncement;
        try {
          reply = this.options.exchange(call.request, hostOfPeer(call.getPeer()));
        } catch (err) {
          return callback({ code: grpc.status.INVALID_ARGUMENT, details: statusDetails((err as Error).message) });
        }
        this.options.connections?.progressed(call.getPeer());
        callback(null, reply);
      },
      handshake: (call: grpc.ServerUnaryCall<HandshakeInit, HandshakeReply>, callback: grpc.sendUnaryData<HandshakeReply>) => {
        let reply: HandshakeReply;
        try {
          reply = this.answerHandshake(call.request, normalizeAddress(hostOfPeer(call.getPeer())));
        } catch (err) {
          const busy = err instanceof HandshakeBusyError;
          const reason = busy || err instanceof HandshakeError ? err.reason : 'internal';
          this.options.counters.add(`handshake.refused.${reason}`);
          const code = busy ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.UNAUTHENTICATED;
          return callback({ code, details: statusDetails((err as Error).message) });
        }
        this.options.connections?.progressed(call.getPeer());
        callback(null, reply);
      },
      session: (call: grpc.ServerDuplexStream<SealedFrame, SealedFrame>) => this.acceptSession(call),
    });
  }

  start(): void {
    this.keepaliveTimer = setInterval(() => this.keepalive(), this.options.keepaliveMs);
    this.keepaliveTimer.unref();
  }

  /** Closes every session and client. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.keepaliveTimer);
    for (const session of this.registry.all()) session.close('peer stopping');
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
    this.pings.clear();
  }

  /**
   * Closes the session to `peerId` and refuses it for `banMs`: for peers that
   * break the rules (a flood of invalid messages). Counted by reason.
   */
  disconnect(peerId: string, reason: string, banMs: number): void {
    this.banned.set(peerId, this.options.clock.monotonic() + banMs);
    this.registry.get(peerId)?.close(`disconnected: ${reason}`, new Error(reason));
  }

  private isBanned(peerId: string): boolean {
    const until = this.banned.get(peerId);
    if (until === undefined) return false;
    if (until > this.options.clock.monotonic()) return true;
    this.banned.delete(peerId);
    return false;
  }

  /** True when a confirmed session to `peerId` is open. */
  isUp(peerId: string): boolean {
    return this.registry.get(peerId) !== undefined;
  }

  /**
   * Starts dialling `peerId` unless a session is up, a dial is under way, or
   * the peer is backing off. Returns when the next attempt may start if backing off.
   */
  ensureSession(peerId: string): number | undefined {
    if (this.stopped || this.isUp(peerId) || this.dialing.has(peerId) || this.isBanned(peerId)) return undefined;
    const now = this.options.clock.monotonic();
    if (!this.backoff.mayTry(peerId, now)) return this.backoff.notBefore(peerId);
    const address = this.options.addressOf(peerId);
    if (!address) return undefined;
    this.dialing.add(peerId);
    this.dial(peerId, address)
      .catch(() => {
        this.options.counters.add('session.dial_failed');
        this.backoff.failed(peerId, this.options.clock.monotonic());
      })
      .finally(() => this.dialing.delete(peerId));
    return undefined;
  }

  /** Round trip of a sealed ping on the session to `peerId`, in ms. */
  ping(peerId: string): Promise<number> {
    const session = this.registry.get(peerId);
    if (!session) return Promise.reject(new Error(`no session to ${peerId}`));
    const nonce = this.pingNonce++;
    return new Promise((resolve) => {
      this.pings.set(nonce, { resolve, sentAt: this.options.clock.monotonic() });
      session.send({ kind: { $case: 'ping', value: { nonce } } });
    });
  }

  private async dial(peerId: string, address: { host: string; port: number }): Promise<void> {
    const started = this.options.clock.monotonic();
    const client = this.clientFor(address);
    const ephemeral = generateEphemeralKey();
    const init = createInit(this.options.identity, ephemeral, {
      nonce: randomBytes(16),
      responderId: peerId,
      name: this.options.name,
      grpcPort: this.options.grpcPort(),
    });
    const reply = await new Promise<HandshakeReply>((resolve, reject) => {
      client.handshake(init, new grpc.Metadata(), { deadline: Date.now() + this.options.handshakeTimeoutMs }, (err, response) =>
        err ? reject(new Error(`handshake with ${address.host}:${address.port} failed: ${err.details || err.message}`)) : resolve(response),
      );
    });
    let keys: SessionKeys;
    try {
      keys = verifyReply(init, reply, ephemeral, peerId);
    } catch (err) {
      this.options.counters.add(`handshake.rejected.${err instanceof HandshakeError ? err.reason : 'internal'}`);
      throw err;
    }
    if (this.stopped) return;
    const metadata = new grpc.Metadata();
    metadata.set(SESSION_METADATA_KEY, keys.sessionId.toString('hex'));
    const call = client.session(metadata);
    const session = this.createSession(peerId, reply.name, reply.identityKey, true, keys, call, () => call.cancel());
    // The first frame confirms to the responder that we hold the keys.
    session.send({ kind: { $case: 'ping', value: { nonce: 0 } } });
    this.confirm(session, this.options.clock.monotonic() - started);
    this.backoff.succeeded(peerId);
  }

  /** Checks an init from `address` and answers it, keeping the session keys until its stream comes. */
  private answerHandshake(init: HandshakeInit, address: string): HandshakeReply {
    const now = this.options.clock.monotonic();
    const peerId = verifyInit(init, this.options.identity.id);
    if (this.isBanned(peerId)) throw new HandshakeError('banned', 'this peer is temporarily refusing you: too many invalid messages');
    // Before the reply's signature and key exchange: a refused flood costs no more than the check of its init.
    const refusal = this.pending.refusal(peerId, address, now);
    if (refusal) throw new HandshakeBusyError(refusal, this.pending.refusalMessage(refusal, address));
    const sessionId = randomBytes(16);
    const { reply, keys } = createReply(this.options.identity, generateEphemeralKey(), init, {
      name: this.options.name,
      sessionId,
    });
    const pending = { keys, peerId, peerName: init.name, peerKey: init.identityKey };
    const admission = this.pending.add(sessionId.toString('hex'), peerId, address, pending, now);
    if (!admission.admitted) throw new HandshakeBusyError(admission.reason, admission.message);
    if (admission.replaced) this.options.counters.add('handshake.pending_replaced.per_id_cap');
    this.options.counters.add('handshake.answered');
    this.options.counters.set('handshake.pending', this.pending.size);
    return reply;
  }

  private acceptSession(call: grpc.ServerDuplexStream<SealedFrame, SealedFrame>): void {
    const sessionHex = String(call.metadata.get(SESSION_METADATA_KEY)[0] ?? '');
    // Single use: a session id cannot open a second stream.
    const pending = this.pending.take(sessionHex, this.options.clock.monotonic());
    this.options.counters.set('handshake.pending', this.pending.size);
    if (!pending) {
      this.options.counters.add('session.refused.unknown_session');
      call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: 'unknown or expired session id: handshake first' });
      return;
    }
    const session = this.createSession(
      pending.peerId,
      pending.peerName,
      pending.peerKey,
      false,
      pending.keys,
      call,
      (reason, error) => {
        if (error) call.emit('error', { code: grpc.status.PERMISSION_DENIED, details: statusDetails(reason) });
        else call.end();
      },
      call.getPeer(),
    );
    call.on('cancelled', () => session.close('cancelled by peer', undefined, false));
  }

  private createSession(
    peerId: string,
    peerName: string,
    peerKey: Uint8Array,
    initiator: boolean,
    keys: SessionKeys,
    stream: FrameStream,
    finish: (reason: string, error?: Error) => void,
    /** The connection a stream we answered runs on (grpc-js's getPeer()), reported once the session is confirmed. */
    connection?: string,
  ): Session {
    let confirmed = initiator;
    const session: Session = new Session(
      peerId,
      peerName,
      peerKey,
      initiator,
      new FrameCipher(keys, LIMITS.frameBytes),
      stream,
      finish,
      {
        count: (name, by) => this.options.counters.add(name, by),
        onItems: (s, items) => {
          s.lastReceivedAt = this.options.clock.monotonic();
          // The responder trusts the stream only once a frame opened under its keys.
          if (!confirmed) {
            confirmed = true;
            if (connection) this.options.connections?.sessionOpened(connection);
            this.confirm(s, 0);
          }
          this.handleItems(s, items);
        },
        onClose: (s, reason) => {
          if (connection && confirmed) this.options.connections?.sessionClosed(connection);
          if (this.registry.remove(s)) {
            this.options.counters.add('session.closed');
            this.options.onSessionDown(s, reason);
          }
        },
      },
      this.options.clock.monotonic(),
    );
    return session;
  }

  private confirm(session: Session, handshakeMs: number): void {
    const { kept, dropped } = this.registry.register(session);
    // Both ends pick the same survivor, but frames already sent on the other one are still in
    // flight: keep reading it for a moment before closing, so nothing sent during the race is lost.
    if (dropped) setTimeout(() => dropped.close('replaced by a newer session'), RETIRE_GRACE_MS).unref();
    if (kept === session) {
      this.options.counters.add('session.opened');
      this.options.onSessionUp(session, handshakeMs);
    }
  }

  private handleItems(session: Session, items: Item[]): void {
    const rest: Item[] = [];
    for (const item of items) {
      const kind = item.kind;
      if (kind?.$case === 'ping') {
        session.send({ kind: { $case: 'pong', value: { nonce: kind.value.nonce } } });
      } else if (kind?.$case === 'pong') {
        const waiter = this.pings.get(kind.value.nonce);
        if (waiter) {
          this.pings.delete(kind.value.nonce);
          waiter.resolve(this.options.clock.monotonic() - waiter.sentAt);
        }
      } else {
        rest.push(item);
      }
    }
    // Items from a session being retired still count: it is just as authenticated.
    if (rest.length > 0) this.options.onItems(session, rest);
  }

  private keepalive(): void {
    const now = this.options.clock.monotonic();
    for (const session of this.registry.all()) {
      if (now - session.lastReceivedAt > 3 * this.options.keepaliveMs) {
        this.options.counters.add('session.keepalive_timeout');
        session.close(`no frame for ${Math.round(now - session.lastReceivedAt)} ms`);
      } else {
        session.send({ kind: { $case: 'ping', value: { nonce: 0 } } });
      }
    }
    this.pending.prune(now);
    this.options.counters.set('handshake.pending', this.pending.size);
  }

  private clientFor(address: { host: string; port: number }): PeerWireClient {
    const target = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
    let client = this.clients.get(target);
    if (!client) {
      client = new PeerWireClient(target, grpc.credentials.createInsecure(), WIRE_GRPC_OPTIONS);
      this.clients.set(target, client);
    }
    return client;
  }
}

/** The host part of grpc-js's `getPeer()` ("1.2.3.4:5678", "[::1]:5678", "ipv6:[::1]:5678"). */
export function hostOfPeer(peer: string): string {
  const withoutScheme = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\]:\d+$/.exec(withoutScheme);
  if (bracketed) return bracketed[1]!;
  const lastColon = withoutScheme.lastIndexOf(':');
  return lastColon > 0 ? withoutScheme.slice(0, lastColon) : withoutScheme;
}
