/**
 * The peer table: every peer this peer knows of, fed by all discovery sources.
 * Core: no IO, no clock, no timers. Every call takes `now` (ms, from a monotonic
 * or virtual clock; it must never go backwards) and returns what happened.
 *
 * Rules, chosen here:
 * - Direct sources ('multicast', 'seed', 'registry') are statements the peer made
 *   itself (signed announcements, or a registry entry); the latest one wins.
 * - Replays: old presence is not presence. An announcement carries a signed seq
 *   (rising; starts at the sender's wall clock) and sent_at_ms. Two checks share
 *   one freshness window W (`windowMs`, the peer's --announce-window):
 *   1. The receiver (peer/discovery-runner.ts, peer/discovery/freshness.ts) refuses
 *      one whose sent_at_ms is more than W off its own wall clock.
 *   2. This table refuses as stale (not counted as hearing the peer) a direct
 *      observation whose seq is not greater than the last one accepted from that
 *      id, until that last one's `freshUntil`: when a replay of it starts failing
 *      check 1. Sent at S by the sender's clock, received when ours read R, it
 *      passes check 1 until ours reads S + W, so freshUntil = now + W +
 *      clockOffsetMs (S - R, within ±W by check 1) + REPLAY_MARGIN_MS; the latest
 *      over all accepted. The margin covers rounding and slew between the wall
 *      clock that judged check 1 and the monotonic one this table is driven by.
 *   The last seq outlives the entry: when a direct entry expires or is evicted, its
 *   seq and freshUntil are remembered until freshUntil (at most maxPeers of them,
 *   the longest-forgotten dropped first).
 *   So a replay is refused either because its seq is not newer than one accepted
 *   within the window (2, also after expiry), or because its sent_at_ms is outside
 *   the window (1): past freshUntil, a replay of anything accepted, or signed
 *   earlier by the same clock, fails 1.
 *   Restart rule: a lower seq (a restart with the clock set back; a normal restart
 *   moves seq forward) is accepted again once the last one's freshUntil has passed,
 *   when no replay can pass 1 any more.
 *   Still possible: replaying, within the window, an announcement this receiver
 *   never saw (one sent while it was down) shows its author present for up to W;
 *   peers whose clocks differ by more than W cannot see each other; a peer
 *   restarted with its clock set back stays invisible to a receiver until the
 *   window passes; when more than maxPeers peers are forgotten within one window the
 *   oldest memories go early; a receiver whose wall clock is stepped back by d lets
 *   a replay through for up to d after freshUntil.
 * - Hints ('hint': an entry in another peer's known-peers list) are unverified:
 *   a hint never changes, refreshes or replaces an entry from a direct source; it
 *   only makes a tentative entry (source 'hint', no public key) for the caller to
 *   verify, e.g. with an Exchange call. A direct observation later upgrades it
 *   (reported as peer_changed). sampleKnown() passes on only direct entries, so a
 *   rumour cannot keep a dead peer alive: a hint lives at most one hop.
 * - At most maxPeers entries. To make room the least recently heard tentative
 *   entry goes first, then the least recently heard direct one; a hint never
 *   evicts a direct entry (a peer sending made-up hints cannot push real peers out).
 * - Expiry: a peer is down once `now - lastSeenAt >= expireAfterMs`, so a caller
 *   that wakes at nextExpiryAt() and calls expire() sees it go.
 */
import { isPeerId } from '../identity/identity.js';
import { quote } from '../limits.js';
import type { KnownPeer } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { first, isNotNewer, newEntry, snapshot, touch, update, type AcceptedSeq, type Entry } from './peer-entry.js';

/** Kept past a seq's window: wall and monotonic clocks round and slew apart (NTP slews up to 0.05 %). */
export const REPLAY_MARGIN_MS = 1000;

/** Where an observation came from. */
export type PeerSource = 'multicast' | 'seed' | 'registry' | 'hint';

/** What one source says about a peer. */
export interface PeerObservation {
  id: string;
  name: string;
  host: string;
  grpcPort: number;
  publicKey?: Uint8Array;
  /** The announcement's seq, when the source carries one. */
  seq?: number;
  /**
   * The sender's wall clock minus ours when the announcement arrived (its sent_at_ms
   * minus our wall-clock now); 0 when absent. Sets how long a replay of it stays fresh.
   */
  clockOffsetMs?: number;
}

/** A peer as the table knows it. Snapshots: changing one does not change the table. */
export interface PeerRecord {
  readonly id: string;
  readonly name: string;
  readonly host: string;
  readonly grpcPort: number;
  readonly publicKey?: Uint8Array;
  /** Latest source that updated it; 'hint' means tentative (unverified). */
  readonly source: PeerSource;
  readonly firstSeenAt: number;
  readonly lastSeenAt: number;
}

/** What a table call changed. */
export type PeerTableEvent =
  | { type: 'peer_up'; peer: PeerRecord }
  | { type: 'peer_changed'; peer: PeerRecord; previous: PeerRecord }
  | { type: 'peer_down'; peer: PeerRecord; reason: 'expired' | 'evicted' };

/** Settings of a PeerTable. */
export interface PeerTableOptions {
  selfId: string;
  expireAfterMs: number;
  /** The freshness window W, ms: how far an announcement's sent_at_ms may be from the receiver's clock. */
  windowMs: number;
  /** Cap on entries, and separately on the seqs remembered of forgotten peers. */
  maxPeers: number;
}

/** The peer table; see the rules at the top of this file. */
export class PeerTable {
  private readonly selfId: string;
  private expireAfterMs: number;
  private readonly windowMs: number;
  private readonly maxPeers: number;
  // Both kept in least-recently-heard-first order (an entry is re-inserted when
  // heard), so expiry and eviction look only at the front.
  private readonly direct = new Map<string, Entry>();
  private readonly tentative = new Map<string, Entry>();
  // Forgotten peers' last seqs, longest-forgotten first (see Replays at the top).
  private readonly remembered = new Map<string, AcceptedSeq>();
  private readonly stats = { evicted: 0, stale: 0, restarts: 0, hints_ignored: 0, hints_dropped: 0 };

  constructor(options: PeerTableOptions) {
    if (!(options.expireAfterMs > 0)) throw new RangeError(`PeerTable expireAfterMs must be > 0, got ${options.expireAfterMs}`);
    if (!(options.windowMs > 0)) throw new RangeError(`PeerTable windowMs must be > 0, got ${options.windowMs}`);
    if (!Number.isInteger(options.maxPeers) || options.maxPeers < 1) {
      throw new RangeError(`PeerTable maxPeers must be an integer >= 1, got ${options.maxPeers}`);
    }
    this.selfId = options.selfId;
    this.expireAfterMs = options.expireAfterMs;
    this.windowMs = options.windowMs;
    this.maxPeers = options.maxPeers;
  }

  /** Number of entries, tentative ones included. */
  get size(): number {
    return this.direct.size + this.tentative.size;
  }

  /** Number of peers heard from directly (not hints). */
  get directCount(): number {
    return this.direct.size;
  }

  /** Forget silent peers after `ms` from now on (the announce pace changed with the number of peers). */
  setExpireAfter(ms: number): void {
    if (!(ms > 0)) throw new RangeError(`PeerTable expireAfterMs must be > 0, got ${ms}`);
    this.expireAfterMs = ms;
  }

  /** Number of forgotten peers whose last seq is still remembered (at most maxPeers). */
  get rememberedCount(): number {
    return this.remembered.size;
  }

  /** Counts of what the table refused or removed: evicted, stale, restarts, hints_ignored, hints_dropped. */
  counters(): Record<string, number> {
    return { ...this.stats };
  }

  /** Records what a source says about a peer; returns peer_up / peer_changed / peer_down events. */
  observe(peer: PeerObservation, source: PeerSource, now: number): PeerTableEvent[] {
    if (peer.id === this.selfId || !isPeerId(peer.id)) return [];
    return source === 'hint' ? this.observeHint(peer, now) : this.observeDirect(peer, source, now);
  }

  /**
   * Removes peers silent for expireAfterMs or longer (remembering their last seq) and
   * the remembered seqs whose window has passed; returns the peer_down events.
   */
  expire(now: number): PeerTableEvent[] {
    for (const [id, memory] of this.remembered) {
      if (now >= memory.freshUntil) this.remembered.delete(id);
    }
    const events: PeerTableEvent[] = [];
    for (const map of [this.direct, this.tentative]) {
      for (const entry of map.values()) {
        // The same sum nextExpiryAt gives: `now - lastSeenAt < E` can hold at that very deadline (float rounding), and the core would be woken there again and again.
        if (now < entry.lastSeenAt + this.expireAfterMs) break;
        this.forget(map, entry, now);
        events.push({ type: 'peer_down', peer: snapshot(entry), reason: 'expired' });
      }
    }
    return events;
  }

  /**
   * Counts every direct entry last heard from `source` as heard now, learning nothing
   * new: a registry that is out of reach says nothing about its peers, so they are kept
   * rather than expired for a silence that is the registry's (their sessions stay too).
   */
  hold(source: PeerSource, now: number): void {
    for (const entry of [...this.direct.values()]) if (entry.source === source) touch(this.direct, entry, now);
  }

  /**
   * True when a direct observation would be refused as a replay: its seq is not
   * greater than the last one accepted from that peer (now or before it was
   * forgotten), and a replay of that one could still pass the window check.
   */
  isReplay(peer: PeerObservation, now: number): boolean {
    const last = this.lastAccepted(peer.id);
    return last !== undefined && isNotNewer(peer, last) && now < last.freshUntil;
  }

  /** When the next peer would expire (ms, same clock as `now`); undefined when the table is empty. */
  nextExpiryAt(): number | undefined {
    // Asked after every event the peer core handles: no arrays here.
    const oldest = Math.min(first(this.direct)?.lastSeenAt ?? Infinity, first(this.tentative)?.lastSeenAt ?? Infinity);
    return oldest === Infinity ? undefined : oldest + this.expireAfterMs;
  }

  /** The peer with this id, or undefined. */
  get(id: string): PeerRecord | undefined {
    const entry = this.direct.get(id) ?? this.tentative.get(id);
    return entry && snapshot(entry);
  }

  /** Every peer: direct ones first, each group least recently heard first. */
  list(): PeerRecord[] {
    return [...this.direct.values(), ...this.tentative.values()].map(snapshot);
  }

  /** Whether `id` was heard from directly (its own signed announcement, not a hint). */
  isDirect(id: string): boolean {
    return this.direct.has(id);
  }

  /** The ids of the peers heard from directly, least recently heard first; no copies made (hot: the gossip view scans it). */
  directIds(): IterableIterator<string> {
    return this.direct.keys();
  }

  /** Peers whose name is exactly `name` (names are not unique). */
  findByName(name: string): PeerRecord[] {
    return this.list().filter((p) => p.name === name);
  }

  /**
   * The one peer a person means by a name, a full id, or an id prefix of at least
   * 8 hex digits (tried in that order: full id, then name, then prefix), or an error
   * saying why not.
   */
  resolve(nameOrIdOrPrefix: string): PeerRecord | { error: string } {
    const query = nameOrIdOrPrefix.trim();
    const quoted = quote(query);
    if (query === '') return { error: 'No peer given: use a name, an id, or an id prefix of at least 8 hex digits' };
    const byId = this.get(query.toLowerCase());
    if (byId) return byId;
    const named = this.findByName(query);
    if (named.length === 1) return named[0]!;
    if (named.length > 1) return { error: ambiguous(`${named.length} peers are named ${quoted}`, named) };
    if (/^[0-9a-f]+$/i.test(query)) {
      if (query.length < 8) {
        return { error: `No peer named ${quoted}, and an id prefix needs at least 8 hex digits (got ${query.length})` };
      }
      const prefix = query.toLowerCase();
      const matches = this.list().filter((p) => p.id.startsWith(prefix));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) return { error: ambiguous(`${matches.length} peer ids start with ${quoted}`, matches) };
    }
    return { error: `No peer named ${quoted} or with an id starting with it (${this.size} peers known)` };
  }

  /** Up to `max` directly heard peers, picked at random, to carry in an announcement. */
  sampleKnown(max: number, random: () => number): KnownPeer[] {
    const pool = [...this.direct.values()];
    const count = Math.max(0, Math.min(Math.floor(max), pool.length));
    // Partial Fisher-Yates: the first `count` slots become a uniform sample.
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(random() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, count).map((e) => ({ id: e.id, name: e.name, host: e.host, grpcPort: e.grpcPort }));
  }

  private observeDirect(peer: PeerObservation, source: PeerSource, now: number): PeerTableEvent[] {
    if (this.isReplay(peer, now)) {
      this.stats.stale++;
      return [];
    }
    // Not a replay, yet not newer: the restart rule let it in (see the top).
    const last = this.lastAccepted(peer.id);
    if (last !== undefined && isNotNewer(peer, last)) this.stats.restarts++;

    const known = this.direct.get(peer.id);
    if (known) {
      const previous = snapshot(known);
      const changed = update(known, peer);
      known.source = source;
      if (peer.publicKey) known.publicKey = peer.publicKey;
      this.recordSeq(known, peer, now);
      touch(this.direct, known, now);
      return changed ? [{ type: 'peer_changed', peer: snapshot(known), previous }] : [];
    }

    const hinted = this.tentative.get(peer.id);
    if (hinted) {
      // Verified at last: promote it, keeping when it was first seen.
      this.tentative.delete(peer.id);
      const entry = this.newDirectEntry(peer, source, now, hinted.firstSeenAt);
      return [{ type: 'peer_changed', peer: snapshot(entry), previous: snapshot(hinted) }];
    }

    const events = this.makeRoom(true, now);
    const entry = this.newDirectEntry(peer, source, now, now);
    events.push({ type: 'peer_up', peer: snapshot(entry) });
    return events;
  }

  /** Adds a direct entry, taking over the seq remembered of it, if any. */
  private newDirectEntry(peer: PeerObservation, source: PeerSource, now: number, firstSeenAt: number): Entry {
    const entry = newEntry(peer, source, now, firstSeenAt);
    const memory = this.remembered.get(peer.id);
    if (memory) {
      this.remembered.delete(peer.id);
      entry.accepted = memory;
    }
    this.recordSeq(entry, peer, now);
    this.direct.set(entry.id, entry);
    return entry;
  }

  /** Keeps an accepted seq, and until when a replay of it (or of an earlier one) could pass the window check. */
  private recordSeq(entry: Entry, peer: PeerObservation, now: number): void {
    if (peer.seq === undefined) return;
    const freshUntil = now + this.windowMs + (peer.clockOffsetMs ?? 0) + REPLAY_MARGIN_MS;
    // The latest of them: a sender whose clock stepped back must not shorten it. Updated in
    // place: the entry owns it (taken from `remembered`, handed back there when forgotten).
    const accepted = entry.accepted;
    if (accepted === undefined) entry.accepted = { seq: peer.seq, freshUntil };
    else {
      accepted.seq = peer.seq;
      accepted.freshUntil = Math.max(freshUntil, accepted.freshUntil);
    }
  }

  private lastAccepted(id: string): AcceptedSeq | undefined {
    return this.direct.get(id)?.accepted ?? this.remembered.get(id);
  }

  /** Removes an entry; a direct one's last seq is remembered while a replay of it could still pass the window check. */
  private forget(map: Map<string, Entry>, entry: Entry, now: number): void {
    map.delete(entry.id);
    if (entry.accepted === undefined || now >= entry.accepted.freshUntil) return;
    this.remembered.set(entry.id, entry.accepted);
    // Bounded: a flood of made-up departures cannot grow memory without end.
    while (this.remembered.size > this.maxPeers) this.remembered.delete(this.remembered.keys().next().value!);
  }

  private observeHint(peer: PeerObservation, now: number): PeerTableEvent[] {
    if (this.direct.has(peer.id)) {
      this.stats.hints_ignored++;
      return [];
    }
    const known = this.tentative.get(peer.id);
    if (known) {
      const previous = snapshot(known);
      const changed = update(known, peer);
      touch(this.tentative, known, now);
      return changed ? [{ type: 'peer_changed', peer: snapshot(known), previous }] : [];
    }
    if (this.size >= this.maxPeers && this.tentative.size === 0) {
      this.stats.hints_dropped++;
      return [];
    }
    const events = this.makeRoom(false, now);
    // A hint carries no key and no seq: neither is vouched for by the peer itself.
    const entry = newEntry({ id: peer.id, name: peer.name, host: peer.host, grpcPort: peer.grpcPort }, 'hint', now, now);
    this.tentative.set(entry.id, entry);
    events.push({ type: 'peer_up', peer: snapshot(entry) });
    return events;
  }

  private makeRoom(mayEvictDirect: boolean, now: number): PeerTableEvent[] {
    const events: PeerTableEvent[] = [];
    while (this.size >= this.maxPeers) {
      const map = this.tentative.size > 0 ? this.tentative : mayEvictDirect ? this.direct : undefined;
      const victim = map && first(map);
      if (!map || !victim) break;
      this.forget(map, victim, now);
      this.stats.evicted++;
      events.push({ type: 'peer_down', peer: snapshot(victim), reason: 'evicted' });
    }
    return events;
  }
}

function ambiguous(what: string, peers: PeerRecord[]): string {
  const shown = peers
    .slice(0, 5)
    .map((p) => `${p.id.slice(0, 12)} (${quote(p.name)} at ${p.host}:${p.grpcPort})`)
    .join(', ');
  const more = peers.length > 5 ? ` and ${peers.length - 5} more` : '';
  return `${what}: ${shown}${more}; give a longer id prefix`;
}
