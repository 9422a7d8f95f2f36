/**
 * The peer table: every peer this peer knows of, fed by all discovery sources.
 * Core: no IO, no clock, no timers. Every call takes `now` (ms, from a monotonic
 * or virtual clock; it must never go backwards) and returns what happened.
 *
 * Rules, chosen here:
 * - Direct sources ('multicast', 'seed', 'registry') are statements the peer made
 *   itself (signed announcements, or a registry entry); the latest one wins.
 * - Replays: a direct observation carrying a seq not greater than the last seq
 *   accepted for that id is stale and ignored, and does not count as being heard.
 *   Restart rule: a peer that restarts with a lower seq is accepted again once the
 *   last accepted seq is `expireAfterMs` old, i.e. when it would have expired
 *   anyway. Peers should start seq at their wall clock in ms, so a restart normally
 *   moves seq forward and this rule only covers clocks set back. (Nothing about a
 *   peer is kept after it expires, so after expiry any seq is accepted.)
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
  maxPeers: number;
}

interface Entry {
  id: string;
  name: string;
  host: string;
  grpcPort: number;
  publicKey?: Uint8Array;
  source: PeerSource;
  firstSeenAt: number;
  lastSeenAt: number;
  lastSeq?: number;
  lastSeqAt?: number;
}

/** The peer table; see the rules at the top of this file. */
export class PeerTable {
  private readonly selfId: string;
  private readonly expireAfterMs: number;
  private readonly maxPeers: number;
  // Both kept in least-recently-heard-first order (an entry is re-inserted when
  // heard), so expiry and eviction look only at the front.
  private readonly direct = new Map<string, Entry>();
  private readonly tentative = new Map<string, Entry>();
  private readonly stats = { evicted: 0, stale: 0, restarts: 0, hints_ignored: 0, hints_dropped: 0 };

  constructor(options: PeerTableOptions) {
    if (!(options.expireAfterMs > 0)) throw new RangeError(`PeerTable expireAfterMs must be > 0, got ${options.expireAfterMs}`);
    if (!Number.isInteger(options.maxPeers) || options.maxPeers < 1) {
      throw new RangeError(`PeerTable maxPeers must be an integer >= 1, got ${options.maxPeers}`);
    }
    this.selfId = options.selfId;
    this.expireAfterMs = options.expireAfterMs;
    this.maxPeers = options.maxPeers;
  }

  /** Number of entries, tentative ones included. */
  get size(): number {
    return this.direct.size + this.tentative.size;
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

  /** Removes peers silent for expireAfterMs or longer; returns their peer_down events. */
  expire(now: number): PeerTableEvent[] {
    const events: PeerTableEvent[] = [];
    for (const map of [this.direct, this.tentative]) {
      for (const entry of map.values()) {
        if (now - entry.lastSeenAt < this.expireAfterMs) break;
        map.delete(entry.id);
        events.push({ type: 'peer_down', peer: snapshot(entry), reason: 'expired' });
      }
    }
    return events;
  }

  /** When the next peer would expire (ms, same clock as `now`); undefined when the table is empty. */
  nextExpiryAt(): number | undefined {
    const oldest = [first(this.direct), first(this.tentative)].filter((e): e is Entry => e !== undefined);
    if (oldest.length === 0) return undefined;
    return Math.min(...oldest.map((e) => e.lastSeenAt)) + this.expireAfterMs;
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
    const known = this.direct.get(peer.id);
    if (known) {
      if (peer.seq !== undefined && known.lastSeq !== undefined && peer.seq <= known.lastSeq) {
        // lastSeqAt, not lastSeenAt: a source without seq (a registry) refreshing
        // the entry must not lock a restarted peer's announcements out forever.
        const restarted = known.lastSeqAt !== undefined && now - known.lastSeqAt >= this.expireAfterMs;
        if (!restarted) {
          this.stats.stale++;
          return [];
        }
        this.stats.restarts++;
      }
      const previous = snapshot(known);
      const changed = update(known, peer);
      known.source = source;
      if (peer.publicKey) known.publicKey = peer.publicKey;
      if (peer.seq !== undefined) {
        known.lastSeq = peer.seq;
        known.lastSeqAt = now;
      }
      touch(this.direct, known, now);
      return changed ? [{ type: 'peer_changed', peer: snapshot(known), previous }] : [];
    }

    const hinted = this.tentative.get(peer.id);
    if (hinted) {
      // Verified at last: promote it, keeping when it was first seen.
      this.tentative.delete(peer.id);
      const entry = newEntry(peer, source, now, hinted.firstSeenAt);
      this.direct.set(entry.id, entry);
      return [{ type: 'peer_changed', peer: snapshot(entry), previous: snapshot(hinted) }];
    }

    const events = this.makeRoom(true);
    const entry = newEntry(peer, source, now, now);
    this.direct.set(entry.id, entry);
    events.push({ type: 'peer_up', peer: snapshot(entry) });
    return events;
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
    const events = this.makeRoom(false);
    // A hint carries no key and no seq: neither is vouched for by the peer itself.
    const entry = newEntry({ id: peer.id, name: peer.name, host: peer.host, grpcPort: peer.grpcPort }, 'hint', now, now);
    this.tentative.set(entry.id, entry);
    events.push({ type: 'peer_up', peer: snapshot(entry) });
    return events;
  }

  private makeRoom(mayEvictDirect: boolean): PeerTableEvent[] {
    const events: PeerTableEvent[] = [];
    while (this.size >= this.maxPeers) {
      const map = this.tentative.size > 0 ? this.tentative : mayEvictDirect ? this.direct : undefined;
      const victim = map && first(map);
      if (!map || !victim) break;
      map.delete(victim.id);
      this.stats.evicted++;
      events.push({ type: 'peer_down', peer: snapshot(victim), reason: 'evicted' });
    }
    return events;
  }
}

function newEntry(peer: PeerObservation, source: PeerSource, now: number, firstSeenAt: number): Entry {
  const entry: Entry = {
    id: peer.id,
    name: peer.name,
    host: peer.host,
    grpcPort: peer.grpcPort,
    source,
    firstSeenAt,
    lastSeenAt: now,
  };
  if (peer.publicKey) entry.publicKey = peer.publicKey;
  if (peer.seq !== undefined) {
    entry.lastSeq = peer.seq;
    entry.lastSeqAt = now;
  }
  return entry;
}

/** Copies the address and name; true when any of them changed. */
function update(entry: Entry, peer: PeerObservation): boolean {
  const changed = entry.name !== peer.name || entry.host !== peer.host || entry.grpcPort !== peer.grpcPort;
  entry.name = peer.name;
  entry.host = peer.host;
  entry.grpcPort = peer.grpcPort;
  return changed;
}

/** Marks an entry heard now and moves it to the back of its map (most recent). */
function touch(map: Map<string, Entry>, entry: Entry, now: number): void {
  entry.lastSeenAt = now;
  map.delete(entry.id);
  map.set(entry.id, entry);
}

function first(map: Map<string, Entry>): Entry | undefined {
  return map.values().next().value;
}

function snapshot(entry: Entry): PeerRecord {
  const record: PeerRecord = {
    id: entry.id,
    name: entry.name,
    host: entry.host,
    grpcPort: entry.grpcPort,
    source: entry.source,
    firstSeenAt: entry.firstSeenAt,
    lastSeenAt: entry.lastSeenAt,
    ...(entry.publicKey ? { publicKey: entry.publicKey } : {}),
  };
  return record;
}

function ambiguous(what: string, peers: PeerRecord[]): string {
  const shown = peers
    .slice(0, 5)
    .map((p) => `${p.id.slice(0, 12)} (${JSON.stringify(p.name)} at ${p.host}:${p.grpcPort})`)
    .join(', ');
  const more = peers.length > 5 ? ` and ${peers.length - 5} more` : '';
  return `${what}: ${shown}${more}; give a longer id prefix`;
}
