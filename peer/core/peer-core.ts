/**
 * The peer's core: every decision, no IO. `handle(event, now)` routes an event
 * to the sub-cores (sessions, discovery, direct messages, gossip, names), which
 * add actions to one list; the last action says when to wake next. Reads that
 * decide nothing (peers, names, counts) are plain synchronous queries.
 * See README.md beside this file for the events, the actions and the invariants.
 */
import type { Item } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { Counters } from '../counters.js';
import { fingerprintOf, type Identity } from '../identity/identity.js';
import type { Action } from './actions.js';
import { CoreContext } from './context.js';
import type { Crypto } from './crypto.js';
import { DirectCore } from './direct-core.js';
import { DiscoveryCore } from './discovery-core.js';
import type { CoreEvent, Now } from './events.js';
import { GossipCore } from './gossip-core.js';
import { IdleSessions } from './idle-sessions.js';
import type { GossipStoreView } from './gossip-router.js';
import type { NameBook } from './name-book.js';
import { NamesCore, type Recipient } from './names-core.js';
import type { OutboxItem } from './outbox.js';
import type { PeerTableEvent } from './peer-table.js';
import { SendError } from './send-error.js';
import { SessionCore, type SessionState } from './session-core.js';
import type { AnnouncementVerifier } from './announcement-verifier.js';

/** The settings the core decides by (a subset of PeerOptions, seeds parsed). */
export interface PeerCoreOptions {
  name: string;
  keepaliveMs: number;
  handshakeTimeoutMs: number;
  /** Open a session to every peer as soon as it is discovered. */
  connectOnDiscovery: boolean;
  multicast: boolean;
  /** Announcements also go to registries. */
  registry?: boolean;
  seeds: { host: string; port: number }[];
  announceIntervalMs: number;
  expireAfterMs: number;
  announceWindowMs: number;
  maxAnnouncementsPerSecond: number;
  /** Close a session that carried no direct message and no gossip for this long and is not to a gossip neighbour. */
  idleSessionMs: number;
  gossip: { fanout: number; ttl: number; digestIntervalMs: number; neighbours: number };
}

/** What the core computes with, and the in-memory views of the stores it starts from. */
export interface PeerCoreDeps {
  identity: Identity;
  crypto: Crypto;
  /** Uniform in [0, 1): the platform generator in the real peer, seeded in tests and the simulator. */
  random: () => number;
  counters: Counters;
  /** The name bindings the trust store loaded. */
  book: NameBook;
  /** The group store's in-memory index (read only). */
  groups: GossipStoreView;
  /** Outgoing messages not yet acknowledged, from the history store. */
  pendingOutgoing: OutboxItem[];
  /** Rooms joined in an earlier run. */
  joinedRooms: string[];
  /** Ids this peer has conversations with (the history store). */
  conversationIds(): string[];
  /** The announcement judge to use: the peers of one host share one (announcement-verifier.ts); absent, a peer makes its own. */
  announcementVerifier?: AnnouncementVerifier;
}

/** What /peers and the control API's ListPeers show of one peer. */
export interface PeerView {
  id: string;
  name: string;
  host: string;
  grpcPort: number;
  source: string;
  lastSeenAgoMs: number;
  sessionUp: boolean;
  fingerprint: string;
  /** True when `name` is bound to this id here; false for a bare claim (a hint, or a contested name). */
  nameVerified: boolean;
}

export class PeerCore {
  private readonly ctx: CoreContext;
  private readonly sessions: SessionCore;
  private readonly discovery: DiscoveryCore;
  private readonly direct: DirectCore;
  private readonly gossip: GossipCore;
  private readonly names: NamesCore;
  private readonly idle: IdleSessions;
  /** Peers announced with peer_up (heard from directly) and not yet peer_down. */
  private readonly announced = new Set<string>();
  /** When a peer backing off may be dialled again (the outbox then looks again). */
  private retryAt: number | undefined;
  /** The wake time last given to the shell. */
  private wakeGiven: number | undefined;

  constructor(
    private readonly options: PeerCoreOptions,
    deps: PeerCoreDeps,
  ) {
    this.ctx = new CoreContext(deps.identity, deps.crypto, deps.random, deps.counters);
    // Gossip neighbours come from the peers heard from directly: a hint is someone else's word.
    const candidates = { has: (id: string) => this.discovery.table.isDirect(id), ids: () => this.discovery.table.directIds() };
    const transmit = (peerId: string, items: Item[]) => this.sessions.transmit(peerId, items);
    this.idle = new IdleSessions(options.idleSessionMs);
    const needSession = (peerId: string) => this.needSession(peerId);
    this.discovery = new DiscoveryCore(this.ctx, { ...options, name: options.name }, (event) => this.onTableEvent(event), deps.announcementVerifier);
    this.sessions = new SessionCore(this.ctx, options, {
      addressOf: (peerId) => {
        const record = this.discovery.table.get(peerId);
        return record ? { host: record.host, port: record.grpcPort } : undefined;
      },
      sessionUp: (session, handshakeMs) => this.onSessionUp(session, handshakeMs),
      sessionDown: (session, reason) => this.onSessionDown(session, reason),
      // Messages waiting for that peer ask for the next attempt, when the backoff allows it,
      // on their own: not only when some other timer (a gossip round) happens to look again.
      dialFailed: (peerId) => this.direct.peerAvailable(peerId),
      items: (session, items) => this.dispatch(session, items),
    });
    const directTransmit = (peerId: string, items: Item[]) => {
      this.idle.used(peerId, this.ctx.now.monoMs);
      return transmit(peerId, items);
    };
    this.direct = new DirectCore(this.ctx, { isUp: (peerId) => this.sessions.isUp(peerId), transmit: directTransmit, needSession }, deps.pendingOutgoing);
    const gossip = { fanout: options.gossip.fanout, defaultTtl: options.gossip.ttl };
    this.gossip = new GossipCore(
      this.ctx,
      {
        name: options.name,
        gossip,
        digestIntervalMs: options.gossip.digestIntervalMs,
        neighbours: options.gossip.neighbours,
        // A dial that fails is retried with backoff; past two handshake timeouts another neighbour is better.
        sessionPatienceMs: 2 * options.handshakeTimeoutMs,
      },
      { candidates, hasSession: (peerId) => this.sessions.isUp(peerId), transmit, needSession, disconnect: (peerId, reason, banMs) => this.sessions.disconnect(peerId, reason, banMs) },
      deps.groups,
      deps.joinedRooms,
    );
    this.names = new NamesCore(this.ctx, {
      self: { id: deps.identity.id, name: options.name },
      book: deps.book,
      table: this.discovery.table,
      sessionKey: (id) => this.sessions.registry.get(id)?.peerKey,
      conversationIds: deps.conversationIds,
    });
    this.ctx.relabel = (event) => this.names.relabel(event);
  }

  /** The one entry point: what to do about `event`, which happened at `now` (read during this call only). */
  handle(event: CoreEvent, now: Now): Action[] {
    this.ctx.begin(now);
    this.route(event);
    return this.end(event.type === 'tick');
  }

  /** Several events that happened at `now`, in order (a shell's batch of store completions): one list of actions. */
  handleAll(events: readonly CoreEvent[], now: Now): Action[] {
    this.ctx.begin(now);
    let ticked = false;
    for (const event of events) {
      this.route(event);
      ticked ||= event.type === 'tick';
    }
    return this.end(ticked);
  }

  private end(ticked: boolean): Action[] {
    const at = this.nextDeadline();
    // After a tick the shell's timer is spent: always say when to wake next.
    if (ticked || at !== this.wakeGiven) {
      this.wakeGiven = at;
      this.ctx.push({ type: 'wake', atMonoMs: at });
    }
    return this.ctx.finish();
  }

  // ---- Queries (decide nothing) ----

  /** Known peers, with whether a session is up; `monoMs` for how long ago each was heard. */
  peers(monoMs: number): PeerView[] {
    return this.discovery.table.list().map((record) => {
      const shown = this.names.display(record.id, record.name);
      return {
        id: record.id,
        name: shown.name,
        nameVerified: shown.verified,
        host: record.host,
        grpcPort: record.grpcPort,
        source: record.source,
        lastSeenAgoMs: Math.max(0, Math.round(monoMs - record.lastSeenAt)),
        sessionUp: this.sessions.isUp(record.id),
        fingerprint: record.publicKey ? fingerprintOf(record.publicKey) : '',
      };
    });
  }

  /** True when a confirmed session to `peerId` is open. */
  isUp(peerId: string): boolean {
    return this.sessions.isUp(peerId);
  }

  /** True when the peer table has `peerId` (heard directly or hinted). */
  knows(peerId: string): boolean {
    return this.discovery.table.get(peerId) !== undefined;
  }

  /** The peer a person means (a bound name, an id, an id prefix); throws SendError saying why not. */
  resolve(nameOrId: string): Recipient {
    return this.names.resolve(nameOrId);
  }

  /** The name shown here for `id`, and whether it is bound to it. */
  display(id: string, claimed?: string): { name: string; verified: boolean } {
    return this.names.display(id, claimed);
  }

  /** The safety number of a peer, to compare out of band. */
  whois(nameOrId: string): { id: string; name: string; fingerprint: string; nameVerified: boolean } {
    const { id, name } = this.resolve(nameOrId);
    const fingerprint = this.names.fingerprintOf(id);
    if (!fingerprint) throw new SendError(`no key known for ${name} (${id.slice(0, 12)}) yet`);
    return { id, name, fingerprint, nameVerified: this.names.display(id).verified };
  }

  /** This peer's address as learned from its own multicast announcement ('' until then). */
  get selfAddress(): string {
    return this.discovery.selfAddress;
  }

  joinedRooms(): string[] {
    return this.gossip.joinedRooms();
  }

  /** The peers group messages are pushed to now (the bounded view). */
  gossipNeighbours(): string[] {
    return this.gossip.neighbours();
  }

  /** Gauges for stats. */
  gauges(): { peersKnown: number; sessionsOpen: number; outboxPending: number; counters: Record<string, number> } {
    return {
      peersKnown: this.discovery.table.size,
      sessionsOpen: this.sessions.openCount,
      outboxPending: this.direct.pendingCount,
      counters: { ...this.discovery.counters(), 'gossip.neighbours': this.gossip.neighbours().length },
    };
  }

  /** When the core next wants a `tick` (monotonic ms), if ever. */
  nextDeadline(): number | undefined {
    // Asked after every event: kept to plain comparisons (no arrays) on the hot path.
    let at = earlier(this.sessions.nextDeadline(), this.discovery.nextDeadline());
    at = earlier(at, this.gossip.nextDeadline());
    at = earlier(at, this.idle.nextDeadline());
    at = earlier(at, this.direct.nextDeadline());
    at = earlier(at, this.names.nextDeadline());
    return earlier(at, this.retryAt);
  }

  // ---- Routing ----

  private route(event: CoreEvent): void {
    switch (event.type) {
      // The hot ones first: a string switch is tried in order.
      case 'items_received':
        return this.sessions.onItems(event.session, event.items);
      case 'stored':
        this.ctx.stored(event.token, event.fresh);
        return;
      case 'ping':
        return this.sessions.ping(event.token, event.peerId);
      case 'send':
        return this.direct.send(event.token, event.to, event.text);
      case 'start':
        this.sessions.start(event.grpcPort);
        this.gossip.start();
        this.idle.start(this.ctx.now.monoMs);
        this.discovery.start(event.grpcPort);
        // Messages left in the outbox by an earlier run go out as their recipients appear.
        this.direct.wake();
        return;
      case 'stop':
        this.names.flush();
        this.ctx.stopped = true;
        this.retryAt = undefined;
        this.gossip.stop();
        this.idle.stop();
        this.discovery.stop();
        this.sessions.stop();
        return;
      case 'tick':
        return this.tick();
      case 'handshake_received':
        return this.sessions.onHandshake(event.call, event.init, event.address);
      case 'handshake_replied':
        return this.sessions.onReply(event.dial, event.reply);
      case 'handshake_failed':
        return this.sessions.onDialFailed(event.dial);
      case 'stream_opened':
        return this.sessions.onStream(event.session, event.sessionKey);
      case 'session_closed':
        return this.sessions.onClosed(event.session, event.reason);
      case 'announcement_heard':
        return this.discovery.onAnnouncement(event.heard, event.from, event.source);
      case 'registry_reachable':
        return this.discovery.onRegistryReachable(event.registry, event.reachable);
      case 'self_address':
        return this.discovery.onSelfAddress(event.address);
      case 'exchange_received':
        return this.discovery.onExchange(event.call, event.request, event.fromHost);
      case 'seed_replied':
        return this.discovery.onSeedReply(event.seed, event.reply);
      case 'seed_failed':
        return this.discovery.onSeedFailed();
      case 'store_failed':
        this.ctx.storeFailed(event.token, event.message);
        return;
      case 'say':
        return this.gossip.say(event.token, event.room, event.text);
      case 'join_room':
        return this.gossip.join(event.token, event.room);
      case 'leave_room':
        return this.gossip.leave(event.token, event.room);
      case 'trust_name':
        return this.names.trust(event.token, event.name, event.idQuery);
    }
  }

  private tick(): void {
    const now = this.ctx.now.monoMs;
    this.sessions.tick();
    this.discovery.tick();
    this.gossip.tick();
    this.names.tick();
    this.closeIdleSessions();
    const outboxAt = this.direct.nextDeadline();
    const retryDue = this.retryAt !== undefined && now >= this.retryAt;
    if (retryDue) this.retryAt = undefined;
    if (retryDue || (outboxAt !== undefined && now >= outboxAt)) this.direct.wake();
  }

  /** Sessions nobody uses any more (see idle-sessions.ts); a peer told to connect to everyone keeps them all. */
  private closeIdleSessions(): void {
    const now = this.ctx.now.monoMs;
    const keep = (peerId: string) => this.options.connectOnDiscovery || this.gossip.isNeighbour(peerId);
    for (const peerId of this.idle.due(now, this.sessions.openPeers(), keep)) {
      this.ctx.counters.add('session.closed_idle');
      this.sessions.closeSession(peerId, `idle: no messages for ${this.options.idleSessionMs} ms`);
    }
  }

  /** Dials `peerId` now, or looks again when its backoff allows. */
  private needSession(peerId: string): void {
    const retryAt = this.sessions.ensureSession(peerId);
    if (retryAt !== undefined && (this.retryAt === undefined || retryAt < this.retryAt)) this.retryAt = retryAt;
  }

  private onTableEvent(event: PeerTableEvent): void {
    const { peer } = event;
    const { wallMs } = this.ctx.now;
    // Only peers heard from directly are announced: a hint is someone else's unverified
    // word, and a late hint about a peer that just expired must not bring it back.
    const announce = (type: 'peer_up' | 'peer_down') =>
      this.ctx.emit({ type, atMs: wallMs, peerId: peer.id, peerName: peer.name, host: peer.host, grpcPort: peer.grpcPort });
    // A peer that proved its key with its own signed announcement may bind the name it claims.
    if (event.type !== 'peer_down' && peer.source !== 'hint' && peer.publicKey) this.names.claim(peer.name, peer.id, peer.publicKey);
    if (event.type === 'peer_down' && this.announced.delete(peer.id)) announce('peer_down');
    if (event.type !== 'peer_down' && peer.source !== 'hint' && !this.announced.has(peer.id)) {
      this.announced.add(peer.id);
      announce('peer_up');
    }
    if (event.type === 'peer_up' || event.type === 'peer_changed') {
      this.direct.peerAvailable(peer.id);
      if (this.options.connectOnDiscovery) this.sessions.ensureSession(peer.id);
    }
  }

  private onSessionUp(session: SessionState, handshakeMs: number): void {
    // The handshake proved the key: as good as a signed announcement for binding a name.
    this.names.claim(session.peerName, session.peerId, session.peerKey);
    this.ctx.emit({
      type: 'session_up',
      atMs: this.ctx.now.wallMs,
      peerId: session.peerId,
      peerName: session.peerName,
      handshakeMs,
      initiator: session.initiator,
    });
    this.idle.used(session.peerId, this.ctx.now.monoMs);
    this.direct.sessionUp(session.peerId);
    this.gossip.sessionUp(session.peerId);
  }

  private onSessionDown(session: SessionState, reason: string): void {
    if (this.ctx.stopped) return;
    this.ctx.emit({ type: 'session_down', atMs: this.ctx.now.wallMs, peerId: session.peerId, peerName: session.peerName, reason });
    this.idle.forget(session.peerId);
    // Reopened only when needed: the outbox still holds messages for it (direct), or a
    // neighbour is replaced (gossip); a direct message later opens one on demand.
    this.direct.sessionDown(session.peerId);
    this.gossip.sessionDown(session.peerId);
  }

  /** Routes the items of a session: direct messages and acks, or gossip. */
  private dispatch(session: SessionState, items: Item[]): void {
    const direct: Item[] = [];
    const gossip: Item[] = [];
    for (const item of items) {
      const kind = item.kind?.$case;
      if (kind === 'group' || kind === 'digest' || kind === 'pull') gossip.push(item);
      else direct.push(item);
    }
    this.idle.used(session.peerId, this.ctx.now.monoMs);
    if (direct.length > 0) this.direct.receive(session.peerId, session.peerName, direct);
    if (gossip.length > 0) this.gossip.receive(session.peerId, gossip);
  }
}

/** The earlier of two optional times. */
function earlier(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined || a <= b ? a : b;
}
