/**
 * A tiny in-memory world for peer cores, as quinn-proto's test driver: N cores
 * on one virtual clock that jumps to the next thing due (a delivery or a
 * core's wake-up), links that carry transmits between sessions after a fixed
 * latency, one multicast domain, and stores in memory. Deterministic for a
 * seed: identities, keys, nonces and every random pick come from it.
 *
 * It is the simulator's model to grow from: no loss, no partitions, no cost
 * model yet; one latency for everything.
 */
import { seededRandom } from '../../../lab/scenario/random.js';
import type { PeerEvent } from '../../events.js';
import { Counters } from '../../counters.js';
import { decodeAnnouncement } from '../../discovery/announcement.js';
import type { Identity } from '../../identity/identity.js';
import type { Action } from '../actions.js';
import type { Crypto } from '../crypto.js';
import type { CoreEvent, SessionId, Token } from '../events.js';
import { PeerCore, type PeerCoreOptions } from '../peer-core.js';
import { MemoryStores } from './memory-stores.js';
import { seededCrypto, seededIdentity } from './seeded-crypto.js';

/** Wall clock of virtual time 0: any fixed date works, announcements carry it. */
const WALL_EPOCH_MS = 1_767_225_600_000;

export const WORLD_DEFAULTS: Omit<PeerCoreOptions, 'name'> = {
  keepaliveMs: 1000,
  handshakeTimeoutMs: 2000,
  connectOnDiscovery: false,
  multicast: true,
  seeds: [],
  announceIntervalMs: 500,
  expireAfterMs: 5000,
  announceWindowMs: 30_000,
  gossip: { fanout: 3, ttl: 6, digestIntervalMs: 1000 },
};

/** One action as a core took it, for assertions and determinism checks. */
export interface LoggedAction {
  at: number;
  peer: string;
  action: Action;
}

/** A peer in the world: its core, its stores, what it emitted. */
export class WorldPeer {
  core!: PeerCore;
  up = false;
  readonly counters = new Counters();
  readonly stores = new MemoryStores();
  readonly events: PeerEvent[] = [];
  readonly results = new Map<Token, { ok: boolean; value?: unknown; error?: string }>();
  /** Its sessions: our session id -> the other end. */
  readonly links = new Map<SessionId, { peer: WorldPeer; session: SessionId }>();
  wakeAt: number | undefined;
  /** When set, this peer's store writes wait here until released. */
  heldStores: Array<{ token: Token; fresh: boolean }> | undefined;
  /** When set, this peer's store writes fail with this message (a full disk). */
  storeError: string | undefined;
  /** When true, nothing this peer transmits arrives (a silent peer). */
  muted = false;
  /** Bumped on every crash, so deliveries meant for an earlier life are dropped. */
  life = 0;

  constructor(
    readonly name: string,
    readonly host: string,
    readonly port: number,
    readonly identity: Identity,
    readonly options: PeerCoreOptions,
  ) {}

  get id(): string {
    return this.identity.id;
  }

  /** PeerEvents of one type. */
  emitted<T extends PeerEvent['type']>(type: T): Array<PeerEvent & { type: T }> {
    return this.events.filter((e): e is PeerEvent & { type: T } => e.type === type);
  }
}

interface Scheduled {
  at: number;
  seq: number;
  run(): void;
}

export class World {
  readonly peers: WorldPeer[] = [];
  readonly log: LoggedAction[] = [];
  readonly random: () => number;
  private readonly crypto: Crypto;
  private queue: Scheduled[] = [];
  private seq = 0;
  /** Steps taken without time moving: a core that keeps asking to wake in the past is a bug, not a hang. */
  private stepsAtNow = 0;
  private nextToken = 1;
  private nextCall = 1;
  private nextInbound = 1;
  /** Calls in flight: id -> who asked, and what to tell it. */
  private readonly calls = new Map<number, { from: WorldPeer; reply(action: Action): CoreEvent | undefined }>();
  private readonly dials = new Map<string, WorldPeer>();
  now = 0;

  constructor(
    seed: number,
    readonly latencyMs = 1,
  ) {
    this.random = seededRandom(seed);
    this.crypto = seededCrypto(this.random);
  }

  /** Adds a peer (not started: see `start`). */
  add(name: string, options: Partial<PeerCoreOptions> = {}): WorldPeer {
    const index = this.peers.length + 1;
    const peer = new WorldPeer(name, `10.0.0.${index}`, 7000 + index, seededIdentity(this.random), { ...WORLD_DEFAULTS, ...options, name });
    this.peers.push(peer);
    return peer;
  }

  /** Starts (or restarts) a peer: a new core fed from what its stores hold. */
  start(peer: WorldPeer): void {
    const { stores } = peer;
    peer.core = new PeerCore(peer.options, {
      identity: peer.identity,
      crypto: this.crypto,
      random: this.random,
      counters: peer.counters,
      book: stores.book,
      groups: stores,
      pendingOutgoing: stores.pendingOutgoing(),
      joinedRooms: [...stores.rooms],
      conversationIds: () => stores.conversationIds(),
    });
    peer.up = true;
    this.handle(peer, { type: 'start', grpcPort: peer.port });
  }

  /** Kills a peer at once: its streams break, everything in flight to it is lost. */
  crash(peer: WorldPeer): void {
    peer.up = false;
    peer.life++;
    peer.wakeAt = undefined;
    peer.heldStores = undefined;
    for (const [, link] of peer.links) this.deliver(link.peer, { type: 'session_closed', session: link.session, reason: 'stream closed' });
    peer.links.clear();
  }

  /** A user command; returns its token (see `peer.results`). */
  command(peer: WorldPeer, event: (token: Token) => CoreEvent): Token {
    const token = this.nextToken++;
    this.handle(peer, event(token));
    return token;
  }

  /** Completes the store writes a peer holds. */
  releaseStores(peer: WorldPeer): void {
    const held = peer.heldStores ?? [];
    peer.heldStores = undefined;
    for (const { token, fresh } of held) this.deliver(peer, { type: 'stored', token, fresh });
  }

  /** Runs until `done()` holds or `maxMs` of virtual time passed; returns whether it held. */
  runUntil(done: () => boolean, maxMs: number): boolean {
    const end = this.now + maxMs;
    while (!done()) {
      if (!this.step(end)) return done();
    }
    return true;
  }

  /** Runs `ms` of virtual time. */
  runFor(ms: number): void {
    const end = this.now + ms;
    while (this.step(end));
    this.now = end;
  }

  /** Does the next due thing up to `end`; false when nothing is due by then. */
  private step(end: number): boolean {
    const head = this.queue[0];
    let waker: WorldPeer | undefined;
    for (const peer of this.peers) {
      if (peer.up && peer.wakeAt !== undefined && (waker === undefined || peer.wakeAt < waker.wakeAt!)) waker = peer;
    }
    const wakeAt = waker?.wakeAt ?? Infinity;
    const at = Math.min(head?.at ?? Infinity, wakeAt);
    if (at > end) return false;
    if (at > this.now) this.stepsAtNow = 0;
    else if (++this.stepsAtNow > 100_000) throw new Error(`no progress at virtual time ${this.now} ms: a core keeps waking in the past`);
    this.now = Math.max(this.now, at);
    if (head && head.at <= wakeAt) {
      this.queue.shift();
      head.run();
    } else if (waker) {
      waker.wakeAt = undefined;
      this.handle(waker, { type: 'tick' });
    }
    return true;
  }

  private schedule(delayMs: number, run: () => void): void {
    const item = { at: this.now + delayMs, seq: this.seq++, run };
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.at > item.at) i--;
    this.queue.splice(i, 0, item);
  }

  /** Hands `event` to `peer` after the link latency, unless it crashed meanwhile. */
  private deliver(peer: WorldPeer, event: CoreEvent, delayMs = this.latencyMs): void {
    const life = peer.life;
    this.schedule(delayMs, () => {
      if (peer.up && peer.life === life) this.handle(peer, event);
    });
  }

  private handle(peer: WorldPeer, event: CoreEvent): void {
    const actions = peer.core.handle(event, { monoMs: this.now, wallMs: WALL_EPOCH_MS + this.now });
    for (const action of actions) {
      this.log.push({ at: this.now, peer: peer.name, action });
      this.carryOut(peer, action);
    }
  }

  private carryOut(peer: WorldPeer, action: Action): void {
    switch (action.type) {
      case 'transmit': {
        const link = peer.links.get(action.session);
        if (link && !peer.muted) this.deliver(link.peer, { type: 'items_received', session: link.session, items: action.items });
        return;
      }
      case 'dial': {
        const target = this.peers.find((p) => p.host === action.host && p.port === action.port);
        if (!target?.up) return this.deliver(peer, { type: 'handshake_failed', dial: action.dial, message: 'connection refused' }, 2 * this.latencyMs);
        this.dials.set(`${peer.name}/${action.dial}`, target);
        const call = this.nextCall++;
        this.calls.set(call, {
          from: peer,
          reply: (answer) =>
            answer.type !== 'answer_handshake'
              ? undefined
              : 'reply' in answer
                ? { type: 'handshake_replied', dial: action.dial, reply: answer.reply }
                : { type: 'handshake_failed', dial: action.dial, message: answer.refusal.message },
        });
        return this.deliver(target, { type: 'handshake_received', call, init: action.init, address: peer.host });
      }
      case 'answer_handshake':
      case 'answer_exchange': {
        const call = this.calls.get(action.call);
        this.calls.delete(action.call);
        const event = call?.reply(action);
        if (call && event) this.deliver(call.from, event);
        return;
      }
      case 'open_stream': {
        const target = this.dials.get(`${peer.name}/${action.dial}`);
        this.dials.delete(`${peer.name}/${action.dial}`);
        if (!target?.up) return this.deliver(peer, { type: 'session_closed', session: action.session, reason: 'stream closed' });
        const inbound = `a${this.nextInbound++}`;
        peer.links.set(action.session, { peer: target, session: inbound });
        target.links.set(inbound, { peer, session: action.session });
        return this.deliver(target, { type: 'stream_opened', session: inbound, sessionKey: action.keys.sessionId.toString('hex') });
      }
      case 'accept_stream':
        return;
      case 'refuse_stream':
      case 'close_session': {
        const link = peer.links.get(action.session);
        peer.links.delete(action.session);
        if (!link) return;
        link.peer.links.delete(link.session);
        return this.deliver(link.peer, { type: 'session_closed', session: link.session, reason: 'stream ended by peer' });
      }
      case 'multicast': {
        const decoded = decodeAnnouncement(action.packet, this.crypto);
        if (!decoded.ok) return;
        for (const other of this.peers) {
          if (other === peer) this.deliver(peer, { type: 'self_address', address: peer.host });
          else if (other.options.multicast) this.deliver(other, { type: 'announcement_heard', announcement: decoded.announcement, from: peer.host });
        }
        return;
      }
      case 'seed_exchange': {
        const seed = peer.options.seeds[action.seed];
        const target = seed && this.peers.find((p) => p.host === seed.host && p.port === seed.port);
        if (!target?.up) return this.deliver(peer, { type: 'seed_failed', seed: action.seed, message: 'unreachable' });
        const call = this.nextCall++;
        this.calls.set(call, {
          from: peer,
          reply: (answer) =>
            answer.type !== 'answer_exchange'
              ? undefined
              : 'reply' in answer
                ? { type: 'seed_replied', seed: action.seed, reply: answer.reply }
                : { type: 'seed_failed', seed: action.seed, message: answer.error },
        });
        return this.deliver(target, { type: 'exchange_received', call, request: action.request, fromHost: peer.host });
      }
      case 'store': {
        if (peer.storeError !== undefined) return this.deliver(peer, { type: 'store_failed', token: action.token, message: peer.storeError });
        const fresh = peer.stores.write(action.write);
        if (peer.heldStores) peer.heldStores.push({ token: action.token, fresh });
        else this.deliver(peer, { type: 'stored', token: action.token, fresh });
        return;
      }
      case 'emit':
        peer.events.push(action.event);
        return;
      case 'result':
        peer.results.set(action.token, action.ok ? { ok: true, value: action.value } : { ok: false, error: action.error.message });
        return;
      case 'wake':
        peer.wakeAt = action.atMonoMs;
        return;
    }
  }
}
