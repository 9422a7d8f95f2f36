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
import { MulticastDiscovery } from './discovery/multicast.js';
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
      maxPeers: 4096,
    });
  }

  async start(): Promise<void> {
    const { options } = this.deps;
    if (options.multicast.enabled) {
      this.multicast = new MulticastDiscovery({
        group: options.multicast.group,
        port: options.multicast.port,
        interfaceAddress: options.multicast.interfaceAddress,
        selfId: this.deps.identity.id,
        onAnnouncement: (announcement, from) => this.observe(announcement, from.address, 'multicast'),
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

  /** Discovery counters (multicast drops by reason) merged into the peer's. */
  counters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, value] of Object.entries(this.multicast?.counters() ?? {})) out[`discovery.multicast.${name}`] = value;
    return out;
  }

  /** Our current signed announcement. */
  ownAnnouncement(): Buffer {
    return encodeAnnouncement(this.deps.identity, {
      name: this.deps.options.name,
      grpcPort: this.deps.grpcPort(),
      seq: this.seq++,
      knownPeers: this.table.sampleKnown(HINTS_PER_ANNOUNCEMENT, Math.random),
    });
  }

  /** Answers an Exchange call from a peer that has us as a seed. */
  exchange(request: SignedAnnouncement, fromHost: string): SignedAnnouncement {
    const result = verifyAnnouncement(request);
    if (!result.ok) {
      this.deps.counters.add(`discovery.seed.dropped.${result.reason}`);
      throw new Error(`announcement refused: ${result.reason}`);
    }
    this.observe(result.announcement, fromHost, 'seed');
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
        const result = verifyAnnouncement(reply);
        if (!result.ok) this.deps.counters.add(`discovery.seed.dropped.${result.reason}`);
        else this.observe(result.announcement, host, 'seed');
      });
    }
    this.expire();
  }

  private observe(announcement: Announcement, sourceHost: string, source: 'multicast' | 'seed'): void {
    const now = this.deps.clock.monotonic();
    const host = announcement.host || sourceHost;
    this.emit(
      this.table.observe(
        {
          id: announcement.id,
          name: announcement.name,
          host,
          grpcPort: announcement.grpcPort,
          publicKey: announcement.publicKey,
          seq: announcement.seq,
        },
        source,
        now,
      ),
    );
    for (const hint of announcement.knownPeers) {
      this.emit(this.table.observe({ id: hint.id, name: hint.name, host: hint.host || host, grpcPort: hint.grpcPort }, 'hint', now));
    }
    this.scheduleExpiry();
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
