/**
 * Sessions, without IO: whom to dial and when (backoff, bans, one dial at a
 * time), how to answer a handshake (caps on pending ones), which stream to
 * trust, the one-session-per-peer rule with its retire grace, keepalive, and
 * pings. The shell runs the Handshake RPC and the sealed stream; this decides.
 */
import type { HandshakeInit, HandshakeReply, Item } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { LIMITS } from '../limits.js';
import { createInit, createReply, HandshakeError, verifyInit, verifyReply, type EphemeralKey, type SessionKeys } from '../session/handshake.js';
import { Backoff, DEFAULT_BACKOFF } from './backoff.js';
import type { CoreContext } from './context.js';
import type { CallId, DialId, SessionId, Token } from './events.js';
import { PendingHandshakes } from './pending-handshakes.js';
import { SessionRegistry } from './session-registry.js';

/** How long an answered handshake waits for its stream. */
const PENDING_TTL_MS = 10_000;
/** How long a session that lost a simultaneous-dial race is still read before it is closed. */
export const RETIRE_GRACE_MS = 2_000;

export interface SessionCoreOptions {
  name: string;
  /** Ping a session heard nothing from for this long (checked this often); close one silent for 3 × this. */
  keepaliveMs: number;
  handshakeTimeoutMs: number;
}

/** One session as the core knows it. */
export class SessionState {
  isOpen = true;
  /** The responder trusts a stream only once a frame opened under its keys. */
  confirmed: boolean;
  lastReceivedAt: number;

  constructor(
    readonly id: SessionId,
    readonly peerId: string,
    /** The name the peer claimed in its handshake (a claim: see names-core.ts for what is shown). */
    readonly peerName: string,
    /** The Ed25519 key the peer proved it holds in the handshake; peerId is derived from it. */
    readonly peerKey: Uint8Array,
    readonly initiator: boolean,
    now: number,
  ) {
    this.confirmed = initiator;
    this.lastReceivedAt = now;
  }
}

/** What sessions tell the rest of the core. */
export interface SessionHooks {
  /** Where a peer can be dialled, from the peer table. */
  addressOf(peerId: string): { host: string; port: number } | undefined;
  sessionUp(session: SessionState, handshakeMs: number): void;
  sessionDown(session: SessionState, reason: string): void;
  /** A dial failed: `peerId` is backing off; whoever still needs it asks again (ensureSession says when). */
  dialFailed(peerId: string): void;
  /** Items other than pings and pongs, from any open session (a retiring one too: it is just as authenticated). */
  items(session: SessionState, items: Item[]): void;
}

interface Dial {
  peerId: string;
  init: HandshakeInit;
  ephemeral: EphemeralKey;
  startedAt: number;
}

interface PendingSession {
  keys: SessionKeys;
  peerId: string;
  peerName: string;
  peerKey: Uint8Array;
}

export class SessionCore {
  readonly registry: SessionRegistry<SessionState>;
  private readonly sessions = new Map<SessionId, SessionState>();
  private readonly pending = new PendingHandshakes<PendingSession>({
    total: LIMITS.pendingHandshakes,
    perAddress: LIMITS.pendingHandshakesPerAddress,
    perId: LIMITS.pendingHandshakesPerId,
    ttlMs: PENDING_TTL_MS,
  });
  private readonly banned = new Map<string, number>();
  private readonly dials = new Map<DialId, Dial>();
  private readonly dialing = new Set<string>();
  private readonly backoff: Backoff;
  /** Sessions that lost the race, and when to close them. */
  private readonly retiring = new Map<SessionId, number>();
  private readonly pings = new Map<number, { token: Token; sentAt: number }>();
  private pingNonce = 1;
  private nextDial = 1;
  private nextSession = 1;
  private keepaliveAt: number | undefined;
  private grpcPort = 0;
  private stopped = false;

  constructor(
    private readonly ctx: CoreContext,
    private readonly options: SessionCoreOptions,
    private readonly hooks: SessionHooks,
  ) {
    this.registry = new SessionRegistry(ctx.identity.id);
    this.backoff = new Backoff(DEFAULT_BACKOFF, ctx.random);
  }

  start(grpcPort: number): void {
    this.grpcPort = grpcPort;
    this.keepaliveAt = this.ctx.now.monoMs + this.options.keepaliveMs;
  }

  /** Closes every session. */
  stop(): void {
    this.stopped = true;
    this.keepaliveAt = undefined;
    for (const session of [...this.sessions.values()]) this.close(session, 'peer stopping', true);
    this.dials.clear();
    this.pings.clear();
  }

  /** True when a confirmed session to `peerId` is open. */
  isUp(peerId: string): boolean {
    return this.registry.get(peerId) !== undefined;
  }

  /** Queues items on the live session to `peerId`; false when there is none. */
  transmit(peerId: string, items: Item[]): boolean {
    const session = this.registry.get(peerId);
    if (!session) return false;
    this.ctx.transmit(session.id, items);
    return true;
  }

  /**
   * Starts dialling `peerId` unless a session is up, a dial is under way, or the
   * peer is banned or backing off. Returns when the next attempt may start if backing off.
   */
  ensureSession(peerId: string): number | undefined {
    if (this.stopped || this.isUp(peerId) || this.dialing.has(peerId) || this.isBanned(peerId)) return undefined;
    const now = this.ctx.now.monoMs;
    if (!this.backoff.mayTry(peerId, now)) return this.backoff.notBefore(peerId);
    const address = this.hooks.addressOf(peerId);
    if (!address) return undefined;
    const { crypto, identity } = this.ctx;
    const ephemeral = crypto.x25519KeyPair();
    const init = createInit(identity, ephemeral, { nonce: crypto.randomBytes(16), responderId: peerId, name: this.options.name, grpcPort: this.grpcPort });
    const dial = this.nextDial++;
    this.dials.set(dial, { peerId, init, ephemeral, startedAt: now });
    this.dialing.add(peerId);
    this.ctx.push({ type: 'dial', dial, peerId, host: address.host, port: address.port, init, timeoutMs: this.options.handshakeTimeoutMs });
    return undefined;
  }

  /** Our dial's handshake was answered: check the reply, open the stream, confirm at once (we hold the keys). */
  onReply(dialId: DialId, reply: HandshakeReply): void {
    const dial = this.takeDial(dialId);
    if (!dial) return;
    let keys: SessionKeys;
    try {
      keys = verifyReply(dial.init, reply, dial.ephemeral, dial.peerId, this.ctx.crypto);
    } catch (err) {
      this.ctx.counters.add(`handshake.rejected.${err instanceof HandshakeError ? err.reason : 'internal'}`);
      this.dialFailed(dial.peerId);
      return;
    }
    const now = this.ctx.now.monoMs;
    const session = new SessionState(`d${this.nextSession++}`, dial.peerId, reply.name, reply.identityKey, true, now);
    this.sessions.set(session.id, session);
    this.ctx.push({ type: 'open_stream', dial: dialId, session: session.id, keys });
    // The first frame confirms to the responder that we hold the keys.
    this.ctx.transmit(session.id, [{ kind: { $case: 'ping', value: { nonce: 0 } } }]);
    this.confirm(session, now - dial.startedAt);
    this.backoff.succeeded(dial.peerId);
  }

  /** Our dial's handshake failed (refused, unreachable, timed out). */
  onDialFailed(dialId: DialId): void {
    const dial = this.takeDial(dialId);
    if (dial) this.dialFailed(dial.peerId);
  }

  /** Checks an init from `address` and answers it, keeping the session keys until its stream comes. */
  onHandshake(call: CallId, init: HandshakeInit, address: string): void {
    const { counters, crypto, identity } = this.ctx;
    const now = this.ctx.now.monoMs;
    const refuse = (reason: string, code: 'unauthenticated' | 'resource_exhausted', message: string) => {
      counters.add(`handshake.refused.${reason}`);
      this.ctx.push({ type: 'answer_handshake', call, refusal: { code, message } });
    };
    let peerId: string;
    try {
      peerId = verifyInit(init, identity.id, crypto);
    } catch (err) {
      return refuse(err instanceof HandshakeError ? err.reason : 'internal', 'unauthenticated', (err as Error).message);
    }
    if (this.isBanned(peerId)) return refuse('banned', 'unauthenticated', 'this peer is temporarily refusing you: too many invalid messages');
    // Before the reply's signature and key exchange: a refused flood costs no more than the check of its init.
    const refusal = this.pending.refusal(peerId, address, now);
    if (refusal) return refuse(refusal, 'resource_exhausted', this.pending.refusalMessage(refusal, address));
    const sessionId = crypto.randomBytes(16);
    let answer: ReturnType<typeof createReply>;
    try {
      answer = createReply(identity, crypto.x25519KeyPair(), init, { name: this.options.name, sessionId }, crypto);
    } catch (err) {
      return refuse(err instanceof HandshakeError ? err.reason : 'internal', 'unauthenticated', (err as Error).message);
    }
    const pending = { keys: answer.keys, peerId, peerName: init.name, peerKey: init.identityKey };
    const admission = this.pending.add(sessionId.toString('hex'), peerId, address, pending, now);
    if (!admission.admitted) return refuse(admission.reason, 'resource_exhausted', admission.message);
    if (admission.replaced) counters.add('handshake.pending_replaced.per_id_cap');
    counters.add('handshake.answered');
    counters.set('handshake.pending', this.pending.size);
    this.ctx.push({ type: 'answer_handshake', call, reply: answer.reply });
  }

  /** An inbound stream names the session id of a handshake we answered: single use. */
  onStream(sessionId: SessionId, sessionKey: string): void {
    const now = this.ctx.now.monoMs;
    const pending = this.pending.take(sessionKey, now);
    this.ctx.counters.set('handshake.pending', this.pending.size);
    if (!pending || this.stopped) {
      this.ctx.counters.add('session.refused.unknown_session');
      this.ctx.push({ type: 'refuse_stream', session: sessionId, message: 'unknown or expired session id: handshake first' });
      return;
    }
    const session = new SessionState(sessionId, pending.peerId, pending.peerName, pending.peerKey, false, now);
    this.sessions.set(sessionId, session);
    this.ctx.push({ type: 'accept_stream', session: sessionId, keys: pending.keys });
  }

  /** Items from a frame that opened on `sessionId`. */
  onItems(sessionId: SessionId, items: Item[]): void {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    session.lastReceivedAt = this.ctx.now.monoMs;
    if (!session.confirmed) {
      session.confirmed = true;
      this.confirm(session, 0);
    }
    const rest: Item[] = [];
    const pongs: Item[] = [];
    for (const item of items) {
      const kind = item.kind;
      if (kind?.$case === 'ping') pongs.push({ kind: { $case: 'pong', value: { nonce: kind.value.nonce } } });
      else if (kind?.$case === 'pong') this.onPong(kind.value.nonce);
      else rest.push(item);
    }
    // One transmit for a frame's pings: they go out in the same sealed frame either way.
    if (pongs.length > 0) this.ctx.transmit(session.id, pongs);
    if (rest.length > 0) this.hooks.items(session, rest);
  }

  /** The shell saw a stream end. */
  onClosed(sessionId: SessionId, reason: string): void {
    const session = this.sessions.get(sessionId);
    if (session) this.close(session, reason, false);
  }

  /** Closes the session to `peerId` and refuses it for `banMs`: for peers that break the rules. */
  disconnect(peerId: string, reason: string, banMs: number): void {
    this.banned.set(peerId, this.ctx.now.monoMs + banMs);
    const session = this.registry.get(peerId);
    if (session) this.close(session, `disconnected: ${reason}`, true, true);
  }

  /** Closes the session to `peerId` for a reason that is nobody's fault (idle); no ban, it may open again on demand. */
  closeSession(peerId: string, reason: string): void {
    const session = this.registry.get(peerId);
    if (session) this.close(session, reason, true);
  }

  /** The peers with a confirmed session open. */
  openPeers(): string[] {
    return this.registry.all().map((session) => session.peerId);
  }

  /** A sealed round trip to `peerId`; answered by a result with the ms it took. */
  ping(token: Token, peerId: string): void {
    const nonce = this.pingNonce++;
    if (!this.transmit(peerId, [{ kind: { $case: 'ping', value: { nonce } } }])) {
      this.ctx.fail(token, 'error', `no session to ${peerId}`);
      return;
    }
    this.pings.set(nonce, { token, sentAt: this.ctx.now.monoMs });
  }

  /** Keepalive and retire deadlines that have come. */
  tick(): void {
    const now = this.ctx.now.monoMs;
    for (const [id, at] of [...this.retiring]) {
      const session = this.sessions.get(id);
      if (at <= now && session) this.close(session, 'replaced by a newer session', true);
    }
    if (this.keepaliveAt !== undefined && now >= this.keepaliveAt) {
      while (this.keepaliveAt <= now) this.keepaliveAt += this.options.keepaliveMs;
      this.keepalive(now);
    }
  }

  /** The earliest deadline of sessions. */
  nextDeadline(): number | undefined {
    let at = this.keepaliveAt;
    if (this.retiring.size === 0) return at;
    for (const retireAt of this.retiring.values()) if (at === undefined || retireAt < at) at = retireAt;
    return at;
  }

  get openCount(): number {
    return this.registry.size;
  }

  /**
   * Pings only the sessions nothing came in on for a whole interval: a frame heard is
   * proof enough that the other end lives, and its own check pings us when it has heard
   * nothing from us (our pong answers). A busy session then carries no pings at all and
   * an idle one about one ping and one pong per interval, not two of each: with a
   * hundred peers on two cores, keepalives were most of what an idle peer cost.
   */
  private keepalive(now: number): void {
    const { keepaliveMs } = this.options;
    for (const session of this.registry.all()) {
      const silentMs = now - session.lastReceivedAt;
      if (silentMs > 3 * keepaliveMs) {
        this.ctx.counters.add('session.keepalive_timeout');
        this.close(session, `no frame for ${Math.round(silentMs)} ms`, true);
      } else if (silentMs >= keepaliveMs) {
        this.ctx.counters.add('session.keepalive_pings');
        this.ctx.transmit(session.id, [{ kind: { $case: 'ping', value: { nonce: 0 } } }]);
      }
    }
    this.pending.prune(now);
    this.ctx.counters.set('handshake.pending', this.pending.size);
  }

  private onPong(nonce: number): void {
    const waiter = this.pings.get(nonce);
    if (!waiter) return;
    this.pings.delete(nonce);
    this.ctx.result(waiter.token, this.ctx.now.monoMs - waiter.sentAt);
  }

  private confirm(session: SessionState, handshakeMs: number): void {
    const { kept, dropped } = this.registry.register(session);
    // Both ends pick the same survivor, but frames already sent on the other one are still in
    // flight: keep reading it for a moment before closing, so nothing sent during the race is lost.
    if (dropped) this.retiring.set(dropped.id, this.ctx.now.monoMs + RETIRE_GRACE_MS);
    if (kept === session) {
      this.ctx.counters.add('session.opened');
      this.hooks.sessionUp(session, handshakeMs);
    }
  }

  /** Forgets a session; `tellShell` when the core decided it (the shell then ends the stream). */
  private close(session: SessionState, reason: string, tellShell: boolean, violation = false): void {
    if (!session.isOpen) return;
    session.isOpen = false;
    this.sessions.delete(session.id);
    this.retiring.delete(session.id);
    if (tellShell) this.ctx.push({ type: 'close_session', session: session.id, reason, violation });
    if (this.registry.remove(session)) {
      this.ctx.counters.add('session.closed');
      this.hooks.sessionDown(session, reason);
    }
  }

  private takeDial(dialId: DialId): Dial | undefined {
    const dial = this.dials.get(dialId);
    if (!dial) return undefined;
    this.dials.delete(dialId);
    this.dialing.delete(dial.peerId);
    return dial;
  }

  private dialFailed(peerId: string): void {
    this.ctx.counters.add('session.dial_failed');
    this.backoff.failed(peerId, this.ctx.now.monoMs);
    this.hooks.dialFailed(peerId);
  }

  private isBanned(peerId: string): boolean {
    const until = this.banned.get(peerId);
    if (until === undefined) return false;
    if (until > this.ctx.now.monoMs) return true;
    this.banned.delete(peerId);
    return false;
  }
}
