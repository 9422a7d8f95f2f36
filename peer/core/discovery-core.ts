/**
 * Discovery, without IO: when to announce (and with which seq and hints), what
 * to make of an announcement heard by multicast or traded with a seed (the
 * freshness window and the peer table's replay rule), and when peers expire.
 * The shell sends the packets and makes the Exchange calls.
 */
import { SignedAnnouncement, type Announcement } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { checkForm, encodeAnnouncement, signatureHolds, type DropReason, type WellFormedAnnouncement } from '../discovery/announcement.js';
import { isFresh } from '../discovery/freshness.js';
import { hintsFromAnnouncement, observationFromAnnouncement } from '../discovery/observation.js';
import { LIMITS } from '../limits.js';
import { announcePace, type AnnouncePace } from './announce-pace.js';
import { AnnounceSlots, slotFor, type SlotClaim } from './announce-slots.js';
import { AnnouncementVerifier } from './announcement-verifier.js';
import type { CoreContext } from './context.js';
import type { CallId } from './events.js';
import { PeerTable, type PeerTableEvent } from './peer-table.js';

const HINTS_PER_ANNOUNCEMENT = 16;

export interface DiscoveryCoreOptions {
  name: string;
  multicast: boolean;
  /** Announcements also go to registries (the shell publishes each `multicast` packet there too). */
  registry?: boolean;
  /** Static seeds, in the order the shell numbers them. */
  seeds: { host: string; port: number }[];
  announceIntervalMs: number;
  expireAfterMs: number;
  announceWindowMs: number;
  /** Announcements a peer should receive per second at most; the interval grows with the peers heard to keep under it. */
  maxAnnouncementsPerSecond: number;
}

/** What became of a verified announcement; see receive(). */
type Reception = 'accepted' | 'outside_window' | 'not_newer';

export class DiscoveryCore {
  readonly table: PeerTable;
  /** This peer's address as learned from its own multicast announcement. */
  selfAddress = '';
  private readonly verifier: AnnouncementVerifier;
  /** Our hash-chain slots: each announcement's seq, sent_at_ms and chain element. */
  private readonly slots: AnnounceSlots;
  private grpcPort = 0;
  /** The interval and expiry in use: the configured ones until enough peers are heard (announce-pace.ts). */
  private pace: AnnouncePace;
  private announceAt: number | undefined;
  /** The table's next expiry, worked out again only after the table changed (asked after every event). */
  private expiryAt: number | undefined;
  private expiryKnown = true;
  /** Registries (by URL) that stopped answering: the peers they told us of are held meanwhile. */
  private readonly registriesDown = new Set<string>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly options: DiscoveryCoreOptions,
    private readonly onTableEvent: (event: PeerTableEvent) => void,
    verifier?: AnnouncementVerifier,
  ) {
    this.table = new PeerTable({
      selfId: ctx.identity.id,
      expireAfterMs: options.expireAfterMs,
      windowMs: options.announceWindowMs,
      maxPeers: LIMITS.peerTableSize,
    });
    this.pace = { intervalMs: options.announceIntervalMs, expireAfterMs: options.expireAfterMs };
    this.verifier = verifier ?? new AnnouncementVerifier(ctx.crypto, LIMITS.peerTableSize);
    this.slots = new AnnounceSlots(slotFor(options.announceIntervalMs, options.announceWindowMs, 0), (length) => ctx.crypto.randomBytes(length), (element) => ctx.crypto.chainStep(element));
  }

  /** Announces at once, then every announce interval. */
  start(grpcPort: number): void {
    this.grpcPort = grpcPort;
    // Shown from the start, like the multicast adapter's own drop counters.
    for (const source of ['multicast', 'registry'] as const) {
      if (!this.options[source]) continue;
      for (const reason of ['stale', 'bad_signature']) this.ctx.counters.add(`discovery.${source}.dropped.${reason}`, 0);
    }
    this.ctx.counters.add('discovery.signature_checks', 0);
    this.ctx.counters.add('discovery.chain_checks', 0);
    this.ctx.counters.add('discovery.chain_steps', 0);
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
      this.adjustPace();
      while (this.announceAt <= now) this.announceAt += this.pace.intervalMs;
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

  /** A well-formed announcement heard by multicast (or read from a registry) from `from`; its sender is checked here. */
  onAnnouncement(heard: WellFormedAnnouncement, from: string, source: 'multicast' | 'registry' = 'multicast'): void {
    if (heard.announcement.id === this.ctx.identity.id) return;
    const verified = this.verifier.verify(heard, this.ctx.counters);
    if (!verified) {
      this.ctx.counters.add(`discovery.${source}.dropped.bad_signature`);
      return;
    }
    // A repeat believed by its chain: its hints are not covered by a signature, so they are not read.
    this.receive(heard.announcement, from, source, verified === 'signature');
  }

  /** While a registry is out of reach, the peers it told us of are held, not expired. */
  onRegistryReachable(registry: string, reachable: boolean): void {
    if (reachable) this.registriesDown.delete(registry);
    else this.registriesDown.add(registry);
    this.expire();
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
    // The last slot again if the clock has not passed it: an answer between two announcements must not run the chain ahead.
    const reply = this.ownAnnouncement(this.slots.next(this.ctx.now.wallMs, true), true);
    this.ctx.push({ type: 'answer_exchange', call, reply: SignedAnnouncement.decode(reply) });
  }

  onSeedReply(seed: number, reply: SignedAnnouncement): void {
    const host = this.options.seeds[seed]?.host;
    if (host !== undefined) this.receiveSeed(reply, host);
  }

  onSeedFailed(): void {
    this.ctx.counters.add('discovery.seed.errors');
  }

  /** The announce interval and expiry in use now. */
  get currentPace(): AnnouncePace {
    return this.pace;
  }

  /** Discovery gauges for stats: remembered seqs of gone peers, chains vouched for, the pace in use. */
  counters(): Record<string, number> {
    return {
      // 0 once every gone peer's window has passed (only the wall-clock check then stops a replay).
      'discovery.remembered_seqs': this.table.rememberedCount,
      'discovery.chains_vouched': this.verifier.size,
      'discovery.announce_interval_ms': this.pace.intervalMs,
      'discovery.expire_after_ms': this.pace.expireAfterMs,
    };
  }

  /** Before each announcement: the pace for the peers heard now. */
  /**
   * A new peer was heard: when the crowd slows the pace, the announcement already
   * scheduled moves out with it. Otherwise a peer that started with a thousand others
   * would announce once more at the small-network interval before slowing down: the
   * whole crowd, a second time, half a second later (twice the bound, for everyone).
   */
  private repaceAfterGrowth(): void {
    if (this.announceAt === undefined) return;
    const previous = this.pace.intervalMs;
    this.adjustPace();
    if (this.pace.intervalMs > previous) this.announceAt += this.pace.intervalMs - previous;
  }

  private adjustPace(): void {
    const base = { intervalMs: this.options.announceIntervalMs, expireAfterMs: this.options.expireAfterMs };
    const pace = announcePace(this.table.directCount, base, this.options.maxAnnouncementsPerSecond);
    if (pace.intervalMs === this.pace.intervalMs) return;
    this.pace = pace;
    this.slots.setSlotMs(slotFor(pace.intervalMs, this.options.announceWindowMs, this.slots.currentSlotMs));
    this.table.setExpireAfter(pace.expireAfterMs);
    this.expiryKnown = false;
  }

  private announce(): void {
    const claim = this.slots.next(this.ctx.now.wallMs);
    // Multicast carries no hints: everyone on the group hears everyone anyway, and a
    // repeat's hints would not be read (see onAnnouncement). Seeds get them. A registry
    // adapter publishes this same packet.
    if (this.options.multicast || this.options.registry) this.ctx.push({ type: 'multicast', packet: this.ownAnnouncement(claim, false) });
    if (this.options.seeds.length > 0) {
      const request = SignedAnnouncement.decode(this.ownAnnouncement(claim, true));
      this.options.seeds.forEach((_seed, seed) => this.ctx.push({ type: 'seed_exchange', seed, request, timeoutMs: this.pace.intervalMs }));
    }
    this.expire();
  }

  /** Our signed announcement for a slot (AnnounceSlots), with hints or without. */
  private ownAnnouncement({ seq, sentAtMs, chain }: SlotClaim, withHints: boolean): Buffer {
    return encodeAnnouncement(this.ctx.identity, {
      name: this.options.name,
      grpcPort: this.grpcPort,
      seq,
      sentAtMs,
      chain,
      knownPeers: withHints ? this.table.sampleKnown(HINTS_PER_ANNOUNCEMENT, this.ctx.random) : [],
    });
  }

  /**
   * Checks an announcement a seed sent (either direction) and feeds it in; returns
   * why it was refused, for the Exchange error, or undefined. A repeat of a seq
   * already accepted (say, heard by multicast first) is answered, not refused.
   */
  private receiveSeed(signed: SignedAnnouncement, host: string): string | undefined {
    const form = checkForm(signed);
    // Always by signature: one exchange per seed per interval is cheap, and its hints are what seeds are for.
    if (form.ok) this.ctx.counters.add('discovery.signature_checks');
    const refused: DropReason | undefined = !form.ok ? form.reason : signatureHolds(form, this.ctx.crypto) ? undefined : 'bad_signature';
    if (!form.ok || refused !== undefined) {
      this.ctx.counters.add(`discovery.seed.dropped.${refused}`);
      return refused;
    }
    if (this.receive(form.announcement, host, 'seed', true) !== 'outside_window') return undefined;
    const ahead = form.announcement.sentAtMs - this.ctx.now.wallMs;
    const off = `${Math.abs(ahead)} ms ${ahead < 0 ? 'behind' : 'ahead of'}`;
    return `stale: its sent_at_ms is ${off} this peer's clock, outside the window of ${this.options.announceWindowMs} ms`;
  }

  /**
   * Feeds a verified announcement (and its hints) to the table, unless it is stale:
   * signed outside the freshness window by our wall clock, or not newer than one
   * already accepted (a replay, or the same one by a second path). Either is counted
   * as discovery.<source>.dropped.stale; see "Replays" in peer-table.ts.
   */
  private receive(announcement: Announcement, sourceHost: string, source: 'multicast' | 'seed' | 'registry', readHints: boolean): Reception {
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
    const events = this.table.observe(observation, source, monoMs);
    this.report(events);
    if (events.length > 0 && events[events.length - 1]!.type === 'peer_up') this.repaceAfterGrowth();
    if (readHints) for (const hint of hintsFromAnnouncement(announcement)) this.report(this.table.observe(hint, 'hint', monoMs));
    return reception;
  }

  private expire(): void {
    this.expiryKnown = false;
    if (this.registriesDown.size > 0) this.table.hold('registry', this.ctx.now.monoMs);
    this.report(this.table.expire(this.ctx.now.monoMs));
  }

  private report(events: PeerTableEvent[]): void {
    for (const event of events) this.onTableEvent(event);
  }
}
