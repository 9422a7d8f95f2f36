/**
 * Runs discovery for a peer: announces on a timer, feeds every verified
 * announcement (multicast, static seeds, the hints they carry) into one peer
 * table, and expires the silent. The table itself is the IO-free core; this
 * file is the timers and the sockets around it.
 */
import * as grpc from '@grpc/grpc-js';
import { PeerWireClient, SignedAnnouncement, type Announcement } from '../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { Clock } from './clock.js';
import { PeerTable, type PeerRecord, type PeerTableEvent } from './core/peer-table.js';
import type { Counters } from './counters.js';
import { encodeAnnouncement, verifyAnnouncement } from './discovery/announcement.js';
import { isFresh } from './discovery/freshness.js';
import { MulticastDiscovery } from './discovery/multicast.js';
import { hintsFromAnnouncement, observationFromAnnouncement } from './discovery/observation.js';
import type { Identity } from './identity/identity.js';
import { parseHostPort, type PeerOptions } from './options.js';
import { WIRE_GRPC_OPTIONS } from './session/session-manager.js';

export interface DiscoveryRunnerOptions {
  identity: Identity;
  options: PeerOptions;
  clock: Clock;
  counters: Counters;
  grpcPort(): number;
  onEvent(event: PeerTableEvent): void;
  onSelfAddress(address: string): void;
}

const HINTS_PER_ANNOUNCEMENT = 16;

/** What became of a verified announcement; see receive(). */
type Reception = 'accepted' | 'outside_window' | 'not_newer';

export class DiscoveryRunner {
  readonly table: PeerTable;
  private multicast: MulticastDiscovery | undefined;
  private readonly seedClients: { host: string; client: PeerWireClient }[] = [];
  private timers: NodeJS.Timeout[] = [];
  private expiryTimer: NodeJS.Timeout | undefined;
  // Starts from the wall clock so a restarted peer's announcements are newer than its old ones.
  private seq: number;

  constructor(private readonly deps: DiscoveryRunnerOptions) {
    this.seq = deps.clock.now();
    this.table = new PeerTable({
      selfId: deps.identity.id,
      expireAfterMs: deps.options.expireAfterMs,
      windowMs: deps.options.announceWindowMs,
      maxPeers: 4096,
    });
  }

  async start(): Promise<void> {
    const { options } = this.deps;
    if (options.multicast.enabled) {
      // Shown from the start, like the adapter's own drop counters.
      this.deps.counters.add('discovery.multicast.dropped.stale', 0);
      this.multicast = new MulticastDiscovery({
        group: options.multicast.group,
        port: options.multicast.port,
        interfaceAddress: options.multicast.interfaceAddress,
        selfId: this.deps.identity.id,
        onAnnouncement: (announcement, from) => {
          this.receive(announcement, from.address, 'multicast');
        },
        onSelf: (address) => this.deps.onSelfAddress(address),
        onError: () => this.deps.counters.add('discovery.socket_errors'),
      });
      await this.multicast.start();
    }
    for (const seed of options.seeds) {
      const { host, port } = parseHostPort(seed);
      const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      this.seedClients.push({ host, client: new PeerWireClient(target, grpc.credentials.createInsecure(), WIRE_GRPC_OPTIONS) });
    }
    const tick = setInterval(() => this.announce(), options.announceIntervalMs);
    tick.unref();
    this.timers.push(tick);
    this.announce();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.expiryTimer);
    for (const { client } of this.seedClients) client.close();
    await this.multicast?.stop();
  }

  /** Discovery counters (multicast drops by reason) merged into the peer's, and how many gone peers' seqs are remembered. */
  counters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, value] of Object.entries(this.multicast?.counters() ?? {})) out[`discovery.multicast.${name}`] = value;
    // A gauge: 0 once every gone peer's window has passed (only the wall-clock check then stops a replay).
    out['discovery.remembered_seqs'] = this.table.rememberedCount;
    return out;
  }

  /** Our current signed announcement. */
  ownAnnouncement(): Buffer {
    return encodeAnnouncement(this.deps.identity, {
      name: this.deps.options.name,
      grpcPort: this.deps.grpcPort(),
      seq: this.seq++,
      sentAtMs: this.deps.clock.now(),
      knownPeers: this.table.sampleKnown(HINTS_PER_ANNOUNCEMENT, Math.random),
    });
  }

  /** Answers an Exchange call from a peer that has us as a seed. */
  exchange(request: SignedAnnouncement, fromHost: string): SignedAnnouncement {
    const refusal = this.receiveSeed(request, fromHost);
    if (refusal !== undefined) throw new Error(`announcement refused: ${refusal}`);
    return SignedAnnouncement.decode(this.ownAnnouncement());
  }

  private announce(): void {
    const packet = this.ownAnnouncement();
    if (this.multicast) {
      this.multicast.send(packet).catch(() => this.deps.counters.add('discovery.send_errors'));
    }
    for (const { host, client } of this.seedClients) {
      client.exchange(SignedAnnouncement.decode(packet), new grpc.Metadata(), { deadline: Date.now() + this.deps.options.announceIntervalMs }, (err, reply) => {
        if (err) {
          this.deps.counters.add('discovery.seed.errors');
          return;
        }
        this.receiveSeed(reply, host);
      });
    }
    this.expire();
  }

  /**
   * Checks an announcement a seed sent (either direction) and feeds it in; returns
   * why it was refused, for the Exchange error, or undefined. A repeat of a seq
   * already accepted (say, heard by multicast first) is answered, not refused.
   */
  private receiveSeed(signed: SignedAnnouncement, host: string): string | undefined {
    const result = verifyAnnouncement(signed);
    if (!result.ok) {
      this.deps.counters.add(`discovery.seed.dropped.${result.reason}`);
      return result.reason;
    }
    if (this.receive(result.announcement, host, 'seed') !== 'outside_window') return undefined;
    const ahead = result.announcement.sentAtMs - this.deps.clock.now();
    const off = `${Math.abs(ahead)} ms ${ahead < 0 ? 'behind' : 'ahead of'}`;
    return `stale: its sent_at_ms is ${off} this peer's clock, outside the window of ${this.deps.options.announceWindowMs} ms`;
  }

  /**
   * Feeds a verified announcement (and its hints) to the table, unless it is stale:
   * signed outside the freshness window by our wall clock, or not newer than one
   * already accepted (a replay, or the same one by a second path). Either is counted
   * as discovery.<source>.dropped.stale; see "Replays" in core/peer-table.ts.
   */
  private receive(announcement: Announcement, sourceHost: string, source: 'multicast' | 'seed'): Reception {
    const wallNow = this.deps.clock.now();
    const now = this.deps.clock.monotonic();
    const observation = { ...observationFromAnnouncement(announcement, sourceHost), clockOffsetMs: announcement.sentAtMs - wallNow };
    let reception: Reception = 'accepted';
    if (!isFresh(announcement.sentAtMs, wallNow, this.deps.options.announceWindowMs)) reception = 'outside_window';
    else if (this.table.isReplay(observation, now)) reception = 'not_newer';
    if (reception !== 'accepted') {
      this.deps.counters.add(`discovery.${source}.dropped.stale`);
      return reception;
    }
    this.emit(this.table.observe(observation, source, now));
    for (const hint of hintsFromAnnouncement(announcement)) this.emit(this.table.observe(hint, 'hint', now));
    this.scheduleExpiry();
    return reception;
  }

  private expire(): void {
    this.emit(this.table.expire(this.deps.clock.monotonic()));
    this.scheduleExpiry();
  }

  private scheduleExpiry(): void {
    const at = this.table.nextExpiryAt();
    clearTimeout(this.expiryTimer);
    if (at === undefined) return;
    this.expiryTimer = setTimeout(() => this.expire(), Math.max(0, at - this.deps.clock.monotonic()) + 1);
    this.expiryTimer.unref();
  }

  private emit(events: PeerTableEvent[]): void {
    for (const event of events) this.deps.onEvent(event);
  }
}

export type { PeerRecord };
