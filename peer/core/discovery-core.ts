/**
 * Discovery, without IO: when to announce (and with which seq and hints), what
 * to make of an announcement heard by multicast or traded with a seed (the
 * freshness window and the peer table's replay rule), and when peers expire.
 * The shell sends the packets and makes the Exchange calls.
 */
import { SignedAnnouncement, type Announcement } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { encodeAnnouncement, verifyAnnouncement } from '../discovery/announcement.js';
import { isFresh } from '../discovery/freshness.js';
import { hintsFromAnnouncement, observationFromAnnouncement } from '../discovery/observation.js';
import { LIMITS } from '../limits.js';
import type { CoreContext } from './context.js';
import type { CallId } from './events.js';
import { PeerTable, type PeerTableEvent } from './peer-table.js';

const HINTS_PER_ANNOUNCEMENT = 16;

export interface DiscoveryCoreOptions {
  name: string;
  multicast: boolean;
  /** Static seeds, in the order the shell numbers them. */
  seeds: { host: string; port: number }[];
  announceIntervalMs: number;
  expireAfterMs: number;
  announceWindowMs: number;
}

/** What became of a verified announcement; see receive(). */
type Reception = 'accepted' | 'outside_window' | 'not_newer';

export class DiscoveryCore {
  readonly table: PeerTable;
  /** This peer's address as learned from its own multicast announcement. */
  selfAddress = '';
  // Starts from the wall clock so a restarted peer's announcements are newer than its old ones.
  private seq = 0;
  private grpcPort = 0;
  private announceAt: number | undefined;
  /** The table's next expiry, worked out again only after the table changed (asked after every event). */
  private expiryAt: number | undefined;
  private expiryKnown = true;

  constructor(
    private readonly ctx: CoreContext,
    private readonly options: DiscoveryCoreOptions,
    private readonly onTableEvent: (event: PeerTableEvent) => void,
  ) {
    this.table = new PeerTable({
      selfId: ctx.identity.id,
      expireAfterMs: options.expireAfterMs,
      windowMs: options.announceWindowMs,
      maxPeers: LIMITS.peerTableSize,
    });
  }

  /** Announces at once, then every announce interval. */
  start(grpcPort: number): void {
    this.grpcPort = grpcPort;
    this.seq = this.ctx.now.wallMs;
    // Shown from the start, like the multicast adapter's own drop counters.
    if (this.options.multicast) this.ctx.counters.add('discovery.multicast.dropped.stale', 0);
    this.announceAt = this.ctx.now.monoMs;
    this.tick();
  }

  stop(): void {
    this.announceAt = undefined;
  }

  /** Announces and expires when due. */
  tick(): void {
    const now = this.ctx.now.monoMs;
    if (this.announceAt !== undefined && now >= this.announceAt) {
      while (this.announceAt <= now) this.announceAt += this.options.announceIntervalMs;
      this.announce();
    } else {
      this.expire();
    }
  }

  nextDeadline(): number | undefined {
    if (!this.expiryKnown) {
      this.expiryAt = this.table.nextExpiryAt();
      this.expiryKnown = true;
    }
    const expiry = this.expiryAt;
    if (expiry === undefined) return this.announceAt;
    return this.announceAt === undefined || expiry < this.announceAt ? expiry : this.announceAt;
  }

  /** A verified announcement heard by multicast from `from`. */
  onAnnouncement(announcement: Announcement, from: string): void {
    this.receive(announcement, from, 'multicast');
  }

  onSelfAddress(address: string): void {
    this.selfAddress = address;
  }

  /** Answers an Exchange call from a peer that has us as a seed: its announcement in, ours out. */
  onExchange(call: CallId, request: SignedAnnouncement, fromHost: string): void {
    const refusal = this.receiveSeed(request, fromHost);
    if (refusal !== undefined) {
      this.ctx.push({ type: 'answer_exchange', call, error: `announcement refused: ${refusal}` });
      return;
    }
    this.ctx.push({ type: 'answer_exchange', call, reply: SignedAnnouncement.decode(this.ownAnnouncement()) });
  }

  onSeedReply(seed: number, reply: SignedAnnouncement): void {
    const host = this.options.seeds[seed]?.host;
    if (host !== undefined) this.receiveSeed(reply, host);
  }

  onSeedFailed(): void {
    this.ctx.counters.add('discovery.seed.errors');
  }

  /** Discovery gauges for stats: how many gone peers' seqs are remembered. */
  counters(): Record<string, number> {
    // 0 once every gone peer's window has passed (only the wall-clock check then stops a replay).
    return { 'discovery.remembered_seqs': this.table.rememberedCount };
  }

  private announce(): void {
    const packet = this.ownAnnouncement();
    if (this.options.multicast) this.ctx.push({ type: 'multicast', packet });
    this.options.seeds.forEach((_seed, seed) => {
      this.ctx.push({ type: 'seed_exchange', seed, request: SignedAnnouncement.decode(packet), timeoutMs: this.options.announceIntervalMs });
    });
    this.expire();
  }

  /** Our current signed announcement. */
  private ownAnnouncement(): Buffer {
    return encodeAnnouncement(this.ctx.identity, {
      name: this.options.name,
      grpcPort: this.grpcPort,
      seq: this.seq++,
      sentAtMs: this.ctx.now.wallMs,
      knownPeers: this.table.sampleKnown(HINTS_PER_ANNOUNCEMENT, this.ctx.random),
    });
  }

  /**
   * Checks an announcement a seed sent (either direction) and feeds it in; returns
   * why it was refused, for the Exchange error, or undefined. A repeat of a seq
   * already accepted (say, heard by multicast first) is answered, not refused.
   */
  private receiveSeed(signed: SignedAnnouncement, host: string): string | undefined {
    const result = verifyAnnouncement(signed, this.ctx.crypto);
    if (!result.ok) {
      this.ctx.counters.add(`discovery.seed.dropped.${result.reason}`);
      return result.reason;
    }
    if (this.receive(result.announcement, host, 'seed') !== 'outside_window') return undefined;
    const ahead = result.announcement.sentAtMs - this.ctx.now.wallMs;
    const off = `${Math.abs(ahead)} ms ${ahead < 0 ? 'behind' : 'ahead of'}`;
    return `stale: its sent_at_ms is ${off} this peer's clock, outside the window of ${this.options.announceWindowMs} ms`;
  }

  /**
   * Feeds a verified announcement (and its hints) to the table, unless it is stale:
   * signed outside the freshness window by our wall clock, or not newer than one
   * already accepted (a replay, or the same one by a second path). Either is counted
   * as discovery.<source>.dropped.stale; see "Replays" in peer-table.ts.
   */
  private receive(announcement: Announcement, sourceHost: string, source: 'multicast' | 'seed'): Reception {
    const { wallMs, monoMs } = this.ctx.now;
    const observation = { ...observationFromAnnouncement(announcement, sourceHost), clockOffsetMs: announcement.sentAtMs - wallMs };
    let reception: Reception = 'accepted';
    if (!isFresh(announcement.sentAtMs, wallMs, this.options.announceWindowMs)) reception = 'outside_window';
    else if (this.table.isReplay(observation, monoMs)) reception = 'not_newer';
    if (reception !== 'accepted') {
      this.ctx.counters.add(`discovery.${source}.dropped.stale`);
      return reception;
    }
    this.expiryKnown = false;
    this.report(this.table.observe(observation, source, monoMs));
    for (const hint of hintsFromAnnouncement(announcement)) this.report(this.table.observe(hint, 'hint', monoMs));
    return reception;
  }

  private expire(): void {
    this.expiryKnown = false;
    this.report(this.table.expire(this.ctx.now.monoMs));
  }

  private report(events: PeerTableEvent[]): void {
    for (const event of events) this.onTableEvent(event);
  }
}
