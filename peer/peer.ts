/**
 * A peer: composes identity, discovery, sessions, messaging and the store,
 * and owns their lifetimes. The CLI, the control API and the lab all drive a
 * peer through this class and listen to its events.
 */
import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import type { Item } from '../proto/gen/peerlab/wire/v1/wire.pb.js';
import { systemClock, type Clock } from './clock.js';
import type { PeerRecord, PeerTableEvent } from './core/peer-table.js';
import { Counters } from './counters.js';
import { DiscoveryRunner } from './discovery-runner.js';
import type { PeerEvent } from './events.js';
import { fingerprintOf, loadOrCreateIdentity, type Identity } from './identity/identity.js';
import { DirectMessenger, SendError } from './messaging/direct-messenger.js';
import { validatePeerOptions, type PeerOptions } from './options.js';
import { SessionManager, WIRE_GRPC_OPTIONS } from './session/session-manager.js';
import type { Session } from './session/session.js';
import { WireListener } from './session/wire-listener.js';
import { HistoryStore, type HistoryEntry } from './store/history-store.js';
import { TrustStore } from './store/trust-store.js';
import { lockDataDir, type DataDirLock } from './store/data-dir-lock.js';
import { GroupStore, type GroupEntry } from './store/group-store.js';
import { RoomsStore } from './store/rooms-store.js';
import { reportStoreDamage } from './store/damage-report.js';
import { GroupMessenger } from './gossip/group-messenger.js';
import { EVERYONE, roomProblem } from './gossip/group-codec.js';
import { Waker } from './waker.js';
import { Names, type Recipient } from './names.js';

export { SendError };

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

/** Counters, memory and CPU of this process, for the control API and the lab. */
export interface PeerStats {
  counters: Record<string, number>;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  uptimeMs: number;
  peersKnown: number;
  sessionsOpen: number;
  outboxPending: number;
}

export const PEERLAB_VERSION = '0.1.0';

/** How long a neighbour that flooded invalid group messages is refused. */
const INVALID_FLOOD_BAN_MS = 60_000;

export class Peer implements AsyncDisposable {
  readonly events = new EventEmitter<{ event: [PeerEvent] }>();
  /** This peer's address as learned from its own multicast announcement. */
  selfAddress = '';
  private grpcPortBound = 0;
  /** Peers announced with peer_up (heard from directly) and not yet peer_down. */
  private readonly announced = new Set<string>();
  private readonly startedAt: number;
  private stopping: Promise<void> | undefined;
  private readonly names: Names;

  /**
   * Problems found while starting (damage in the store), which nobody could hear
   * as they happened: the CLI prints them after its ready line, and the control
   * API's Events stream sends them first to every subscriber.
   */
  readonly startupEvents: PeerEvent[] = [];

  private constructor(
    readonly options: PeerOptions,
    readonly identity: Identity,
    readonly counters: Counters,
    private readonly clock: Clock,
    private readonly server: grpc.Server,
    private readonly listener: WireListener,
    private readonly history: HistoryStore,
    private readonly trust: TrustStore,
    readonly discovery: DiscoveryRunner,
    readonly sessions: SessionManager,
    private readonly messenger: DirectMessenger,
    private readonly waker: Waker,
    private readonly lock: DataDirLock,
    private readonly groups: GroupMessenger,
    private readonly groupStore: GroupStore,
    private readonly rooms: RoomsStore,
  ) {
    this.startedAt = clock.monotonic();
    this.names = new Names({
      self: { id: identity.id, name: options.name },
      trust,
      table: discovery.table,
      sessionKey: (id) => sessions.registry.get(id)?.peerKey,
      conversationIds: () => history.conversations().map((c) => c.peerId),
    });
  }

  /** Starts a peer: loads its identity and store, binds its server, starts discovery. */
  static async start(input: PeerOptions, clock: Clock = systemClock): Promise<Peer> {
    const options = validatePeerOptions(input);
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    // Lock first: two processes must not even race to create the identity.
    const lock = await lockDataDir(options.dataDir);
    let identity: Identity;
    let stores: [HistoryStore, TrustStore, GroupStore, RoomsStore];
    // The parts call each other through `peer`, which exists once they all do.
    let peer!: Peer;
    try {
      identity = await loadOrCreateIdentity(options.dataDir);
      stores = await Promise.all([
        HistoryStore.open(options.dataDir),
        TrustStore.open(options.dataDir, { onSaveError: (err) => peer.reportError('trust', 'store', err) }),
        GroupStore.open(options.dataDir),
        RoomsStore.open(options.dataDir),
      ]);
    } catch (err) {
      await lock.release();
      throw err;
    }
    const [history, trust, groupStore, rooms] = stores;
    const counters = new Counters();
    const server = new grpc.Server(WIRE_GRPC_OPTIONS);
    const listener = new WireListener(server, {
      host: options.host,
      port: options.grpcPort,
      connectionsPerAddress: options.connectionsPerAddress,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      clock,
      counters,
    });
    const waker = new Waker(clock, () => peer.messenger.wake());
    const discovery = new DiscoveryRunner({
      identity,
      options,
      clock,
      counters,
      grpcPort: () => peer.grpcPortBound,
      onEvent: (event) => peer.onPeerTableEvent(event),
      onSelfAddress: (address) => {
        peer.selfAddress = address;
      },
    });
    const sessions = new SessionManager({
      identity,
      name: options.name,
      grpcPort: () => peer.grpcPortBound,
      clock,
      counters,
      keepaliveMs: options.keepaliveMs,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      addressOf: (peerId) => {
        const record = discovery.table.get(peerId);
        return record ? { host: record.host, port: record.grpcPort } : undefined;
      },
      onItems: (session, items) => peer.dispatch(session, items),
      onSessionUp: (session, handshakeMs) => peer.onSessionUp(session, handshakeMs),
      onSessionDown: (session, reason) => peer.onSessionDown(session, reason),
      exchange: (request, fromHost) => discovery.exchange(request, fromHost),
      connections: listener,
    });
    // Puts an item on the live session to a peer; false when there is none.
    const sendItem = (peerId: string, item: Item) => {
      const session = sessions.registry.get(peerId);
      if (!session) return false;
      session.send(item);
      return true;
    };
    const messenger = new DirectMessenger({
      clock,
      counters,
      history,
      emit: (event) => peer.emit(event),
      sendItem,
      isUp: (peerId) => sessions.isUp(peerId),
      needSession: (peerId) => peer.needSession(peerId),
      wakeAt: (at) => waker.at(at),
    });
    const groups = new GroupMessenger({
      identity,
      name: options.name,
      clock,
      counters,
      store: groupStore,
      rooms,
      gossip: { fanout: options.gossip.fanout, defaultTtl: options.gossip.ttl },
      digestIntervalMs: options.gossip.digestIntervalMs,
      neighbours: () => discovery.table.list().filter((p) => p.source !== 'hint').map((p) => p.id),
      sendItem,
      needSession: (peerId) => peer.needSession(peerId),
      disconnect: (peerId, reason) => sessions.disconnect(peerId, reason, INVALID_FLOOD_BAN_MS),
      emit: (event) => peer.emit(event),
    });
    sessions.addToServer(server);
    peer = new Peer(options, identity, counters, clock, server, listener, history, trust, discovery, sessions, messenger, waker, lock, groups, groupStore, rooms);
    try {
      peer.grpcPortBound = await listener.listen();
      sessions.start();
      groups.start();
      await discovery.start();
    } catch (err) {
      await peer.stop();
      throw err;
    }
    peer.startupEvents.push(...reportStoreDamage([...history.damaged, ...groupStore.damaged], counters, clock.now()));
    // Messages left in the outbox by an earlier run go out as their recipients appear.
    messenger.wake();
    return peer;
  }

  get grpcPort(): number {
    return this.grpcPortBound;
  }

  /** Sends a direct message to a peer named by a bound name, an id or an id prefix. */
  async send(to: string, text: string): Promise<{ messageId: string; toId: string }> {
    const recipient = this.resolve(to);
    const item = await this.messenger.send(recipient, text);
    return { messageId: item.messageId, toId: item.toId };
  }

  /**
   * The peer a person means (see Names.resolve): a name bound here, an id, or an id
   * prefix; a peer out of sight still gets messages (they wait in the outbox).
   */
  resolve(nameOrId: string): Recipient {
    return this.names.resolve(nameOrId);
  }

  /** Binds `name` to the peer `idQuery` names, deliberately (/trust); other claimants are dismissed. */
  async trustName(name: string, idQuery: string): Promise<{ name: string; id: string; fingerprint: string; previousId?: string }> {
    const result = await this.names.trust(name, idQuery, this.clock.now());
    this.counters.add('trust.rebound');
    return result;
  }

  /** Writes to a room by gossip ("everyone" for a broadcast); resolves once stored here. */
  say(room: string, text: string): Promise<{ messageId: string }> {
    return this.groups.say(room, text);
  }

  /** Writes to everyone. */
  broadcast(text: string): Promise<{ messageId: string }> {
    return this.groups.say(EVERYONE, text);
  }

  /** Joins a room: its messages are shown from now on (and its history is kept anyway). */
  async joinRoom(room: string): Promise<string[]> {
    const problem = roomProblem(room);
    if (problem) throw new SendError(problem);
    await this.rooms.join(room);
    return this.rooms.list();
  }

  /** Leaves a room: its messages are no longer shown (still relayed for others). */
  async leaveRoom(room: string): Promise<string[]> {
    try {
      await this.rooms.leave(room);
    } catch (err) {
      throw new SendError((err as Error).message);
    }
    return this.rooms.list();
  }

  joinedRooms(): string[] {
    return this.rooms.list();
  }

  /** A room's messages, in hybrid-logical-clock order, each author shown by the name bound here. */
  roomHistory(room: string, limit = 100): Array<GroupEntry & { nameVerified: boolean }> {
    return this.groups.history(room, limit).map((entry) => {
      const shown = this.names.display(entry.authorId, entry.authorName);
      return { ...entry, authorName: shown.name, nameVerified: shown.verified };
    });
  }

  /** Known peers, with whether a session is up. */
  peers(): PeerView[] {
    const now = this.clock.monotonic();
    return this.discovery.table.list().map((record: PeerRecord) => {
      const shown = this.names.display(record.id, record.name);
      return {
      id: record.id,
      name: shown.name,
      nameVerified: shown.verified,
      host: record.host,
      grpcPort: record.grpcPort,
      source: record.source,
      lastSeenAgoMs: Math.max(0, Math.round(now - record.lastSeenAt)),
      sessionUp: this.sessions.isUp(record.id),
      fingerprint: record.publicKey ? fingerprintOf(record.publicKey) : '',
      };
    });
  }

  /** The conversation with a peer, most recent `limit` entries, the peer shown by the name bound here. */
  historyWith(nameOrId: string, limit = 100): Array<HistoryEntry & { nameVerified: boolean }> {
    const { id } = this.resolve(nameOrId);
    return this.history.list(id, limit).map((entry) => {
      const shown = this.names.display(entry.peerId, entry.peerName);
      return { ...entry, peerName: shown.name, nameVerified: shown.verified };
    });
  }

  /** The safety number of a peer, to compare out of band. */
  whois(nameOrId: string): { id: string; name: string; fingerprint: string; nameVerified: boolean } {
    const { id, name } = this.resolve(nameOrId);
    const fingerprint = this.names.fingerprintOf(id);
    if (!fingerprint) throw new SendError(`no key known for ${name} (${id.slice(0, 12)}) yet`);
    return { id, name, fingerprint, nameVerified: this.names.display(id).verified };
  }

  stats(): PeerStats {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    for (const [name, value] of Object.entries(this.discovery.counters())) this.counters.set(name, value);
    return {
      counters: this.counters.snapshot(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      externalBytes: memory.external,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      uptimeMs: Math.round(this.clock.monotonic() - this.startedAt),
      peersKnown: this.discovery.table.size,
      sessionsOpen: this.sessions.registry.size,
      outboxPending: this.messenger.pendingCount,
    };
  }

  /** Stops everything and closes the store; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.waker.stop();
      this.groups.stop();
      await this.discovery.stop();
      this.sessions.stop();
      this.listener.stopAccepting();
      await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
      this.server.forceShutdown();
      await this.listener.close();
      await Promise.all([this.history.close(), this.groupStore.close()]);
      await this.lock.release();
    })();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Tells listeners; every peer name in the event is replaced by the name shown here for that id. */
  emit(event: PeerEvent): void {
    this.events.emit('event', this.names.relabel(event));
  }

  /** Reports a failure that must not stop the peer (a store write on a full disk, say) as an error event. */
  reportError(part: string, code: string, err: unknown): void {
    this.counters.add(`${part}.store_errors`);
    this.emit({ type: 'error', atMs: this.clock.now(), code, message: `${part}: ${(err as Error).message}` });
  }

  private onPeerTableEvent(event: PeerTableEvent): void {
    const { peer } = event;
    // Only peers heard from directly are announced: a hint is someone else's unverified
    // word, and a late hint about a peer that just expired must not bring it back.
    const announce = (type: 'peer_up' | 'peer_down') =>
      this.emit({ type, atMs: this.clock.now(), peerId: peer.id, peerName: peer.name, host: peer.host, grpcPort: peer.grpcPort });
    // A peer that proved its key with its own signed announcement may bind the name it claims.
    if (event.type !== 'peer_down' && peer.source !== 'hint' && peer.publicKey) this.claimName(peer.name, peer.id, peer.publicKey);
    if (event.type === 'peer_down' && this.announced.delete(peer.id)) announce('peer_down');
    if (event.type !== 'peer_down' && peer.source !== 'hint' && !this.announced.has(peer.id)) {
      this.announced.add(peer.id);
      announce('peer_up');
    }
    if (event.type === 'peer_up' || event.type === 'peer_changed') {
      this.messenger.peerAvailable(peer.id);
      if (this.options.connectOnDiscovery) this.sessions.ensureSession(peer.id);
    }
  }

  private onSessionUp(session: Session, handshakeMs: number): void {
    // The handshake proved the key: as good as a signed announcement for binding a name.
    this.claimName(session.peerName, session.peerId, session.peerKey);
    this.emit({
      type: 'session_up',
      atMs: this.clock.now(),
      peerId: session.peerId,
      peerName: session.peerName,
      handshakeMs,
      initiator: session.initiator,
    });
    this.messenger.sessionUp(session.peerId);
    this.groups.sessionUp(session.peerId);
  }

  /** Routes the items of a session: direct messages and acks, or gossip. */
  private dispatch(session: Session, items: Item[]): void {
    const direct: Item[] = [];
    const gossip: Item[] = [];
    for (const item of items) {
      const kind = item.kind?.$case;
      if (kind === 'group' || kind === 'digest' || kind === 'pull') gossip.push(item);
      else direct.push(item);
    }
    if (direct.length > 0) this.messenger.receive(session.peerId, session.peerName, direct);
    if (gossip.length > 0) this.groups.receive(session.peerId, gossip);
  }

  private onSessionDown(session: Session, reason: string): void {
    if (this.stopping) return;
    this.emit({ type: 'session_down', atMs: this.clock.now(), peerId: session.peerId, peerName: session.peerName, reason });
    this.messenger.sessionDown(session.peerId);
    // Reopen while the peer is still around, with backoff, so the next message finds a session.
    if (this.discovery.table.get(session.peerId)) this.needSession(session.peerId);
  }

  /** Dials `peerId` now, or wakes up to try again when its backoff allows. */
  private needSession(peerId: string): void {
    const retryAt = this.sessions.ensureSession(peerId);
    if (retryAt !== undefined) this.waker.at(retryAt);
  }

  private claimName(name: string, id: string, publicKey: Uint8Array): void {
    const outcome = this.names.claim(name, id, publicKey, this.clock.now());
    if (outcome.status === 'bound') this.counters.add('trust.bound');
    if (outcome.status === 'full') this.counters.add('trust.full');
    if (outcome.status === 'conflict' && outcome.first) {
      this.counters.add('trust.name_conflicts');
      const { name: claimed, knownId, claimingId } = outcome;
      this.emit({ type: 'name_conflict', atMs: this.clock.now(), name: claimed, knownId, claimingId, claimingFingerprint: fingerprintOf(publicKey) });
    }
  }
}
