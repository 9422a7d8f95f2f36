/**
 * A peer: the real shell around the core (core/peer-core.ts). It loads the
 * identity and the stores, binds the gRPC server and the multicast socket, and
 * carries out the core's actions over them, with one timer. Every decision is
 * the core's. The CLI, the control API and the lab drive a peer through this
 * class and listen to its events.
 */
import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { systemClock, type Clock } from './clock.js';
import type { Action } from './core/actions.js';
import { PeerCore, type PeerCoreOptions, type PeerView } from './core/peer-core.js';
import type { Recipient } from './core/names-core.js';
import { SendError } from './core/send-error.js';
import { Counters } from './counters.js';
import { nodeCrypto } from './crypto/node-crypto.js';
import type { Crypto } from './core/crypto.js';
import type { AnnouncementVerifier } from './core/announcement-verifier.js';
import type { PeerEvent } from './events.js';
import { loadOrCreateIdentity, type Identity } from './identity/identity.js';
import { parseHostPort, validatePeerOptions, type PeerOptions } from './options.js';
import { WireListener } from './session/wire-listener.js';
import { CoreLoop } from './shell/core-loop.js';
import type { SharedMulticastReceivers } from './discovery/multicast-receiver.js';
import { DiscoveryShell } from './shell/discovery-shell.js';
import { writeToStore, type Stores } from './shell/store-writer.js';
import { WireShell } from './shell/wire-shell.js';
import { WIRE_GRPC_OPTIONS } from './shell/wire-options.js';
import { reportStoreDamage } from './store/damage-report.js';
import { lockDataDir, type DataDirLock } from './store/data-dir-lock.js';
import { GroupStore, type GroupEntry } from './store/group-store.js';
import { HistoryStore, type HistoryEntry } from './store/history-store.js';
import { RoomsStore } from './store/rooms-store.js';
import { TrustStore } from './store/trust-store.js';
import { EVERYONE } from './gossip/group-codec.js';

export { SendError, type PeerView };

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

/** A peer's own load, apart from the process it runs in (see Peer.load). */
export interface PeerLoad {
  sessionsOpen: number;
  peersKnown: number;
  /** Announcements received from other peers since start: by multicast (dropped ones included) and through registries (well-formed entries). */
  announcementsReceived: number;
  uptimeMs: number;
  /** Events waiting unhandled while paused. */
  heldEvents: number;
}

export const PEERLAB_VERSION = '0.1.0';

/** What the peers of one process may share (a `peerlab host`'s); a lone peer shares nothing. */
export interface SharedParts {
  /** One multicast socket per group for the process: each announcement read and decoded once, not once per peer. */
  multicastReceivers?: SharedMulticastReceivers;
  /** The process's Crypto: a host's remembers signature verdicts for all its peers (crypto/verify-memo.ts). */
  crypto?: Crypto;
  /** One judge of announcements for the process: a repeat's chain is then checked once, not once per peer. */
  announcementVerifier?: AnnouncementVerifier;
}

/** The parts a started peer is made of. */
interface Parts {
  stores: Stores;
  lock: DataDirLock;
  server: grpc.Server;
  listener: WireListener;
  core: PeerCore;
  loop: CoreLoop;
  wire: WireShell;
  discovery: DiscoveryShell;
}

export class Peer implements AsyncDisposable {
  readonly events = new EventEmitter<{ event: [PeerEvent] }>();
  private grpcPortBound = 0;
  private readonly startedAt: number;
  private stopping: Promise<void> | undefined;
  private pausedNow = false;

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
    private readonly parts: Parts,
  ) {
    this.startedAt = clock.monotonic();
  }

  /** Starts a peer: loads its identity and store, binds its server, starts discovery. */
  static async start(input: PeerOptions, clock: Clock = systemClock, shared: SharedParts = {}): Promise<Peer> {
    const options = validatePeerOptions(input);
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    // Lock first: two processes must not even race to create the identity.
    const lock = await lockDataDir(options.dataDir);
    let identity: Identity;
    let stores: Stores;
    try {
      identity = await loadOrCreateIdentity(options.dataDir);
      const [history, trust, groups, rooms] = await Promise.all([
        HistoryStore.open(options.dataDir),
        TrustStore.open(options.dataDir),
        GroupStore.open(options.dataDir),
        RoomsStore.open(options.dataDir),
      ]);
      stores = { history, trust, groups, rooms };
    } catch (err) {
      await lock.release();
      throw err;
    }
    const { history } = stores;
    const counters = new Counters();
    const seeds = options.seeds.map((seed) => parseHostPort(seed));
    const core = new PeerCore(coreOptions(options, seeds), {
      identity,
      crypto: shared.crypto ?? nodeCrypto,
      random: Math.random,
      counters,
      book: stores.trust.book,
      groups: stores.groups,
      pendingOutgoing: history.pendingOutgoing().map((e) => ({ messageId: e.messageId, toId: e.peerId, toName: e.peerName, text: e.text, sentAtMs: e.sentAtMs })),
      joinedRooms: stores.rooms.list(),
      conversationIds: () => history.conversations().map((c) => c.peerId),
      ...(shared.announcementVerifier ? { announcementVerifier: shared.announcementVerifier } : {}),
    });
    const server = new grpc.Server(WIRE_GRPC_OPTIONS);
    const listener = new WireListener(server, {
      host: options.host,
      port: options.grpcPort,
      connectionsPerAddress: options.connectionsPerAddress,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      clock,
      counters,
    });
    // The shells feed the loop; the loop hands actions back to the peer, which routes them to the shells.
    const feed = (event: Parameters<CoreLoop['feed']>[0]) => loop.feed(event);
    const wire = new WireShell({ feed, counters, connections: listener });
    const discovery = new DiscoveryShell(options, seeds, counters, feed, shared.multicastReceivers);
    const loop: CoreLoop = new CoreLoop(core, clock, (action) => peer.execute(action));
    wire.addToServer(server);
    const peer = new Peer(options, identity, counters, clock, { stores, lock, server, listener, core, loop, wire, discovery });
    try {
      peer.grpcPortBound = await listener.listen();
      await discovery.start(identity.id);
      loop.feed({ type: 'start', grpcPort: peer.grpcPortBound });
    } catch (err) {
      await peer.stop();
      throw err;
    }
    peer.startupEvents.push(...reportStoreDamage([...history.damaged, ...stores.groups.damaged], counters, clock.now()));
    return peer;
  }

  get grpcPort(): number {
    return this.grpcPortBound;
  }

  /** This peer's address as learned from its own multicast announcement ('' until then). */
  get selfAddress(): string {
    return this.parts.core.selfAddress;
  }

  /** Sends a direct message to a peer named by a bound name, an id or an id prefix; resolves once it is on disk. */
  async send(to: string, text: string): Promise<{ messageId: string; toId: string }> {
    const recipient = this.resolve(to);
    return this.parts.loop.command((token) => ({ type: 'send', token, to: recipient, text }));
  }

  /**
   * The peer a person means (see NamesCore.resolve): a name bound here, an id, or an id
   * prefix; a peer out of sight still gets messages (they wait in the outbox).
   */
  resolve(nameOrId: string): Recipient {
    return this.parts.core.resolve(nameOrId);
  }

  /** Binds `name` to the peer `idQuery` names, deliberately (/trust); other claimants are dismissed. */
  trustName(name: string, idQuery: string): Promise<{ name: string; id: string; fingerprint: string; previousId?: string }> {
    return this.parts.loop.command((token) => ({ type: 'trust_name', token, name, idQuery }));
  }

  /** Writes to a room by gossip ("everyone" for a broadcast); resolves once stored here. */
  say(room: string, text: string): Promise<{ messageId: string }> {
    return this.parts.loop.command((token) => ({ type: 'say', token, room, text }));
  }

  /** Writes to everyone. */
  broadcast(text: string): Promise<{ messageId: string }> {
    return this.say(EVERYONE, text);
  }

  /** Joins a room: its messages are shown from now on (and its history is kept anyway). */
  joinRoom(room: string): Promise<string[]> {
    return this.parts.loop.command((token) => ({ type: 'join_room', token, room }));
  }

  /** Leaves a room: its messages are no longer shown (still relayed for others). */
  leaveRoom(room: string): Promise<string[]> {
    return this.parts.loop.command((token) => ({ type: 'leave_room', token, room }));
  }

  joinedRooms(): string[] {
    return this.parts.core.joinedRooms();
  }

  /** A room's messages, in hybrid-logical-clock order, each author shown by the name bound here. */
  roomHistory(room: string, limit = 100): Array<GroupEntry & { nameVerified: boolean }> {
    return this.parts.stores.groups.list(room, limit).map((entry) => {
      const shown = this.parts.core.display(entry.authorId, entry.authorName);
      return { ...entry, authorName: shown.name, nameVerified: shown.verified };
    });
  }

  /** Known peers, with whether a session is up. */
  peers(): PeerView[] {
    return this.parts.core.peers(this.clock.monotonic());
  }

  /** True when a session to `peerId` is up. */
  isSessionUp(peerId: string): boolean {
    return this.parts.core.isUp(peerId);
  }

  /** True when `peerId` is in the peer table. */
  knowsPeer(peerId: string): boolean {
    return this.parts.core.knows(peerId);
  }

  /** Round trip of a sealed ping on the session to `peerId`, in ms. */
  ping(peerId: string): Promise<number> {
    return this.parts.loop.command((token) => ({ type: 'ping', token, peerId }));
  }

  /** The conversation with a peer, most recent `limit` entries, the peer shown by the name bound here. */
  historyWith(nameOrId: string, limit = 100): Array<HistoryEntry & { nameVerified: boolean }> {
    const { id } = this.resolve(nameOrId);
    return this.parts.stores.history.list(id, limit).map((entry) => {
      const shown = this.parts.core.display(entry.peerId, entry.peerName);
      return { ...entry, peerName: shown.name, nameVerified: shown.verified };
    });
  }

  /** The safety number of a peer, to compare out of band. */
  whois(nameOrId: string): { id: string; name: string; fingerprint: string; nameVerified: boolean } {
    return this.parts.core.whois(nameOrId);
  }

  stats(): PeerStats {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    const gauges = this.parts.core.gauges();
    for (const [name, value] of Object.entries({ ...this.parts.discovery.multicastCounters(), ...gauges.counters })) this.counters.set(name, value);
    return {
      counters: this.counters.snapshot(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      externalBytes: memory.external,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      uptimeMs: Math.round(this.clock.monotonic() - this.startedAt),
      peersKnown: gauges.peersKnown,
      sessionsOpen: gauges.sessionsOpen,
      outboxPending: gauges.outboxPending,
    };
  }

  /** What this peer alone handles (no process-wide figures): cheap enough to ask of a hundred peers a second. */
  load(): PeerLoad {
    const gauges = this.parts.core.gauges();
    const multicast = this.parts.discovery.multicastCounters();
    // Heard from others by multicast (its own packets come back) and through registries (its own entry is skipped there).
    const fromOthers = (multicast['discovery.multicast.received'] ?? 0) - (multicast['discovery.multicast.self'] ?? 0) + this.counters.get('discovery.registry.entries');
    return {
      sessionsOpen: gauges.sessionsOpen,
      peersKnown: gauges.peersKnown,
      announcementsReceived: fromOthers,
      uptimeMs: Math.round(this.clock.monotonic() - this.startedAt),
      heldEvents: this.parts.loop.heldCount,
    };
  }

  /** True while paused (see pause). */
  get paused(): boolean {
    return this.pausedNow;
  }

  /**
   * Pauses this peer alone, as SIGSTOP pauses a peer process: every event that arrives
   * (frames, announcements, store completions, commands, its timer) waits unhandled
   * until `resume`. Its sockets stay open and the kernel and grpc-js still take in what
   * is sent to it, so what arrives piles up in memory rather than pushing back on the
   * senders through TCP as a stopped process would.
   */
  pause(): void {
    this.pausedNow = true;
    this.parts.loop.hold();
  }

  /** Ends a pause: the held events are handled in order, at the time of the resume. */
  resume(): void {
    this.pausedNow = false;
    this.parts.loop.release();
  }

  /**
   * Stops this peer as SIGKILL stops a peer process, where the process itself must live
   * on (a host running many peers): nothing more is handled, no session is closed
   * gracefully (dialled streams are cancelled, inbound connections destroyed), writes
   * still queued are never written or fsynced, commands waiting fail. The data dir lock
   * is released, so the peer can start again in this process. Safe to call twice, and
   * after stop().
   */
  crash(): Promise<void> {
    this.stopping ??= (async () => {
      const { loop, discovery, wire, listener, server, stores, lock } = this.parts;
      loop.halt(`peer ${this.options.name} crashed`);
      wire.crash();
      await listener.close();
      server.forceShutdown();
      await discovery.stop();
      await Promise.allSettled([stores.history.crash(), stores.groups.crash()]);
      await lock.release();
    })();
    return this.stopping;
  }

  /** Stops everything and closes the store; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const { loop, discovery, wire, listener, server, stores, lock } = this.parts;
      // A paused peer must handle its stop (as a stopped process is continued before SIGTERM).
      this.resume();
      loop.feed({ type: 'stop' });
      loop.stop();
      await discovery.stop();
      wire.stop();
      listener.stopAccepting();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      server.forceShutdown();
      await listener.close();
      await Promise.all([stores.history.close(), stores.groups.close()]);
      await lock.release();
    })();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Carries out one action of the core (the loop settles commands and keeps the timer itself). */
  private execute(action: Exclude<Action, { type: 'wake' | 'result' }>): void {
    switch (action.type) {
      case 'emit':
        this.events.emit('event', action.event);
        return;
      case 'store': {
        const { token } = action;
        writeToStore(this.parts.stores, action.write).then(
          (fresh) => this.parts.loop.feedSoon({ type: 'stored', token, fresh }),
          (err: unknown) => this.parts.loop.feedSoon({ type: 'store_failed', token, message: (err as Error).message }),
        );
        return;
      }
      case 'multicast':
      case 'seed_exchange':
        return this.parts.discovery.execute(action);
      default:
        return this.parts.wire.execute(action);
    }
  }
}

/** The settings the core decides by (the simulator builds its cores' with this too). */
export function coreOptions(options: PeerOptions, seeds: { host: string; port: number }[]): PeerCoreOptions {
  return {
    name: options.name,
    keepaliveMs: options.keepaliveMs,
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    connectOnDiscovery: options.connectOnDiscovery,
    multicast: options.multicast.enabled,
    registry: options.registries.length > 0,
    seeds,
    announceIntervalMs: options.announceIntervalMs,
    expireAfterMs: options.expireAfterMs,
    announceWindowMs: options.announceWindowMs,
    maxAnnouncementsPerSecond: options.maxAnnouncementsPerSecond,
    idleSessionMs: options.idleSessionMs,
    gossip: options.gossip,
  };
}
