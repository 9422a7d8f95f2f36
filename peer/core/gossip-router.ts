/**
 * Gossip decisions without IO: which group messages to deliver, whom to
 * forward them to, what to say in anti-entropy rounds, and whom to cut off.
 * Handlers return actions (js-libp2p-gossipsub's handleIHave style); the
 * adapter sends, stores and shows.
 *
 * Push: a new message goes to `fanout` random neighbours with its hop TTL
 * minus one; copies already seen are dropped (a seen-cache bounded in size
 * and age, backed by the store for anything older). Pull: every round a peer
 * sends one neighbour a digest of the ids it has from the recent window; the
 * neighbour pulls what it lacks and pushes what the digest lacks, so every
 * live peer ends up with every recent message even when push missed it.
 */
import type { GroupMessage, Item } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { groupMessageId, verifyGroupMessage, type GroupRejectReason, type VerifiedGroupMessage } from '../gossip/group-codec.js';
import { SeenCache } from './seen-cache.js';
import { TokenBuckets } from './token-bucket.js';
import { randomSample } from './random-sample.js';

export interface GossipOptions {
  /** Neighbours each new message is pushed to. */
  fanout: number;
  /** TTL a new message starts with. */
  defaultTtl: number;
  /** Highest TTL accepted; a higher one is lowered to this. */
  maxTtl: number;
  seenCapacity: number;
  seenMaxAgeMs: number;
  /** A message timestamped further ahead of our clock than this is refused. */
  maxFutureSkewMs: number;
  /** Anti-entropy covers messages this recent (by their author's clock). */
  digestWindowMs: number;
  /** Ids in one digest, and messages pushed or pulled per round. */
  digestMaxIds: number;
  /** Group messages accepted from one neighbour: rate and burst. */
  ratePerS: number;
  burst: number;
  /** Invalid messages from one neighbour within `invalidWindowMs` before it is cut off. */
  invalidLimit: number;
  invalidWindowMs: number;
}

export const DEFAULT_GOSSIP_OPTIONS: GossipOptions = {
  fanout: 4,
  defaultTtl: 8,
  maxTtl: 16,
  seenCapacity: 100_000,
  seenMaxAgeMs: 15 * 60_000,
  maxFutureSkewMs: 60_000,
  digestWindowMs: 10 * 60_000,
  digestMaxIds: 1024,
  ratePerS: 1000,
  burst: 5000,
  invalidLimit: 20,
  invalidWindowMs: 60_000,
};

/** What the store can tell the router (in-memory reads only). */
export interface GossipStoreView {
  has(id: string): boolean;
  /** Ids and author times of stored messages with author time ≥ sinceMs, newest last, at most `max`. */
  recent(sinceMs: number, max: number): { id: string; wallMs: number }[];
  /** The stored wire form of a message, to push or answer a pull. */
  get(id: string): { wire: GroupMessage; hops: number } | undefined;
}

export type GossipAction =
  | { type: 'send'; to: string; item: Item }
  | { type: 'deliver'; message: VerifiedGroupMessage; hops: number; from: string | undefined }
  | { type: 'reject'; from: string; reason: GroupRejectReason | 'stale' | 'future' | 'rate_limited' }
  | { type: 'duplicate'; from: string }
  | { type: 'disconnect'; peer: string; reason: string };

export class GossipRouter {
  private readonly seen: SeenCache;
  private readonly rates: TokenBuckets;
  private readonly invalid = new Map<string, number[]>();

  constructor(
    private readonly selfId: string,
    private readonly store: GossipStoreView,
    private readonly options: GossipOptions,
    /** Uniform in [0, 1): injected, so a seeded run picks the same neighbours every time. */
    private readonly random: () => number,
    private readonly verify = verifyGroupMessage,
  ) {
    this.seen = new SeenCache(options.seenCapacity, options.seenMaxAgeMs);
    this.rates = new TokenBuckets(options.ratePerS, options.burst);
  }

  /** A message written here: deliver it locally and push it to `fanout` neighbours. */
  originate(message: VerifiedGroupMessage, now: number, neighbours: string[]): GossipAction[] {
    this.seen.add(message.id, now);
    const actions: GossipAction[] = [{ type: 'deliver', message, hops: 0, from: undefined }];
    return actions.concat(this.push(message.wire, message.wire.ttl, 0, neighbours, [message.body.authorId]));
  }

  /** A group message copy from neighbour `from`. */
  onGroup(from: string, wire: GroupMessage, now: number, neighbours: string[]): GossipAction[] {
    if (!this.rates.take(from, now)) return [{ type: 'reject', from, reason: 'rate_limited' }];
    // The id is a hash of the body, so a copy of something we already accepted can be dropped
    // before the signature check: verifying is the costly step, and most copies are duplicates.
    const id = groupMessageId(wire.body);
    if (this.seen.has(id, now) || this.store.has(id)) return [{ type: 'duplicate', from }];
    const result = this.verify(wire);
    if (!result.ok) return this.invalidFrom(from, result.reason, now);
    const { message } = result;
    const wall = message.body.hlcWallMs;
    if (wall > now + this.options.maxFutureSkewMs) return this.invalidFrom(from, 'future', now);
    // Too old for the seen-cache to vouch for it: a replay, not news.
    if (wall < now - this.options.seenMaxAgeMs) return this.invalidFrom(from, 'stale', now);
    this.seen.add(message.id, now);
    const hops = wire.hops + 1;
    const ttl = Math.min(wire.ttl, this.options.maxTtl);
    const actions: GossipAction[] = [{ type: 'deliver', message, hops, from }];
    if (ttl > 1) actions.push(...this.push(wire, ttl - 1, hops, neighbours, [from, message.body.authorId]));
    return actions;
  }

  /** An anti-entropy round: a digest for one random neighbour. */
  digestRound(now: number, neighbours: string[]): GossipAction[] {
    const to = this.pick(neighbours, 1, [])[0];
    if (to === undefined) return [];
    const { sinceMs, ids } = this.digestSince(now);
    return [{ type: 'send', to, item: { kind: { $case: 'digest', value: { sinceMs, ids: ids.map(hexToBytes) } } } }];
  }

  /** A digest from `from`: pull what we lack, push what it lacks (both bounded). */
  onDigest(from: string, sinceMs: number, ids: Uint8Array[], now: number): GossipAction[] {
    const theirs = new Set<string>();
    for (const id of ids.slice(0, this.options.digestMaxIds)) if (id.length === 16) theirs.add(Buffer.from(id).toString('hex'));
    const missing = [...theirs].filter((id) => !this.store.has(id) && !this.seen.has(id, now));
    const actions: GossipAction[] = [];
    if (missing.length > 0) {
      actions.push({ type: 'send', to: from, item: { kind: { $case: 'pull', value: { ids: missing.map(hexToBytes) } } } });
    }
    const since = Math.max(sinceMs, now - this.options.digestWindowMs);
    for (const { id } of this.store.recent(since, this.options.digestMaxIds)) {
      if (!theirs.has(id)) actions.push(...this.copyTo(from, id));
    }
    return actions;
  }

  /** A pull from `from`: send the asked messages we have (bounded). */
  onPull(from: string, ids: Uint8Array[]): GossipAction[] {
    const actions: GossipAction[] = [];
    for (const id of ids.slice(0, this.options.digestMaxIds)) actions.push(...this.copyTo(from, Buffer.from(id).toString('hex')));
    return actions;
  }

  private digestSince(now: number): { sinceMs: number; ids: string[] } {
    const windowStart = now - this.options.digestWindowMs;
    const recent = this.store.recent(windowStart, this.options.digestMaxIds);
    // A full digest covers only from its oldest entry on, so the other side does not push what we left out.
    const sinceMs = recent.length >= this.options.digestMaxIds ? recent[0]!.wallMs : windowStart;
    return { sinceMs: Math.max(0, Math.floor(sinceMs)), ids: recent.map((r) => r.id) };
  }

  private copyTo(to: string, id: string): GossipAction[] {
    const stored = this.store.get(id);
    if (!stored) return [];
    // Copies sent for anti-entropy carry TTL 0: the receiver keeps them and does not forward them.
    return [{ type: 'send', to, item: { kind: { $case: 'group', value: { ...stored.wire, ttl: 0, hops: stored.hops } } } }];
  }

  private push(wire: GroupMessage, ttl: number, hops: number, neighbours: string[], exclude: string[]): GossipAction[] {
    return this.pick(neighbours, this.options.fanout, exclude).map((to) => ({
      type: 'send' as const,
      to,
      item: { kind: { $case: 'group' as const, value: { ...wire, ttl, hops } } },
    }));
  }

  /** Up to `count` distinct random neighbours, not self and not in `exclude`. */
  private pick(neighbours: string[], count: number, exclude: string[]): string[] {
    return randomSample(neighbours.filter((n) => n !== this.selfId && !exclude.includes(n)), count, this.random);
  }

  private invalidFrom(from: string, reason: GroupRejectReason | 'stale' | 'future', now: number): GossipAction[] {
    const times = (this.invalid.get(from) ?? []).filter((t) => now - t < this.options.invalidWindowMs);
    times.push(now);
    this.invalid.set(from, times);
    const actions: GossipAction[] = [{ type: 'reject', from, reason }];
    if (times.length > this.options.invalidLimit) {
      this.invalid.delete(from);
      actions.push({
        type: 'disconnect',
        peer: from,
        reason: `sent ${times.length} invalid group messages within ${this.options.invalidWindowMs} ms`,
      });
    }
    return actions;
  }
}

function hexToBytes(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}
