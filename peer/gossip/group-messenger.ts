/**
 * Group chat for a peer: the IO around the gossip router. Sends what the
 * router decides over sessions (queueing briefly for a session that is still
 * opening), stores and shows what it delivers, runs the anti-entropy timer,
 * counts every rejection, and cuts off neighbours that flood invalid messages.
 */
import type { GroupMessage, Item } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { Clock } from '../clock.js';
import { DEFAULT_GOSSIP_OPTIONS, GossipRouter, type GossipAction, type GossipOptions } from '../core/gossip-router.js';
import { HybridClock } from '../core/hlc.js';
import type { Counters } from '../counters.js';
import type { PeerEvent } from '../events.js';
import type { Identity } from '../identity/identity.js';
import { LIMITS, utf8Length } from '../limits.js';
import { SendError } from '../messaging/direct-messenger.js';
import type { GroupEntry, GroupStore } from '../store/group-store.js';
import type { RoomsStore } from '../store/rooms-store.js';
import { createGroupMessage, roomProblem, verifyGroupMessage, type VerifiedGroupMessage } from './group-codec.js';

/** Items kept for a neighbour whose session is still opening; past this, anti-entropy covers. */
const MAX_QUEUED_PER_PEER = 1024;

export interface GroupMessengerOptions {
  identity: Identity;
  name: string;
  clock: Clock;
  counters: Counters;
  store: GroupStore;
  rooms: RoomsStore;
  gossip?: Partial<GossipOptions>;
  digestIntervalMs: number;
  /** Peers we could gossip with (heard from directly). */
  neighbours(): string[];
  sendItem(peerId: string, item: Item): boolean;
  needSession(peerId: string): void;
  disconnect(peerId: string, reason: string): void;
  emit(event: PeerEvent): void;
  random?: () => number;
}

export class GroupMessenger {
  readonly router: GossipRouter;
  private readonly options: GossipOptions;
  private readonly hlc = new HybridClock();
  private readonly queues = new Map<string, Item[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: GroupMessengerOptions) {
    this.options = { ...DEFAULT_GOSSIP_OPTIONS, ...deps.gossip };
    // Counted so the lab can set each peer's signature checks against the verify ceiling (~5k/s/core).
    const verify = (wire: GroupMessage) => {
      deps.counters.add('gossip.signature_checks');
      return verifyGroupMessage(wire);
    };
    this.router = new GossipRouter(deps.identity.id, deps.store, this.options, deps.random ?? Math.random, verify);
  }

  start(): void {
    this.timer = setInterval(() => this.guard(this.apply(this.router.digestRound(this.deps.clock.now(), this.deps.neighbours()))), this.deps.digestIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Writes a message to a room ("everyone" for a broadcast); resolves once it is stored here. */
  async say(room: string, text: string): Promise<{ messageId: string }> {
    const problem = roomProblem(room);
    if (problem) throw new SendError(problem);
    const bytes = utf8Length(text);
    if (bytes === 0) throw new SendError('message is empty');
    if (bytes > LIMITS.messageTextBytes) throw new SendError(`message is ${bytes} bytes, over the limit of ${LIMITS.messageTextBytes}`);
    const now = this.deps.clock.now();
    const message = createGroupMessage(this.deps.identity, {
      authorName: this.deps.name,
      room,
      text,
      hlc: this.hlc.tick(now),
      ttl: this.options.defaultTtl,
    });
    this.deps.counters.add('gossip.originated');
    await this.apply(this.router.originate(message, now, this.deps.neighbours()));
    return { messageId: message.id };
  }

  /** Gossip items that arrived on the session with `peerId`. */
  receive(peerId: string, items: Item[]): void {
    const now = this.deps.clock.now();
    for (const item of items) {
      const kind = item.kind;
      if (kind?.$case === 'group') {
        this.deps.counters.add('gossip.copies_received');
        this.guard(this.apply(this.router.onGroup(peerId, kind.value, now, this.deps.neighbours())));
      } else if (kind?.$case === 'digest') {
        this.deps.counters.add('gossip.digests_received');
        this.guard(this.apply(this.router.onDigest(peerId, kind.value.sinceMs, kind.value.ids, now)));
      } else if (kind?.$case === 'pull') {
        this.guard(this.apply(this.router.onPull(peerId, kind.value.ids)));
      }
    }
  }

  /** A failed store write is reported, never an unhandled rejection that ends the peer. */
  private guard(work: Promise<void>): void {
    work.catch((err: unknown) => {
      this.deps.counters.add('gossip.store_errors');
      this.deps.emit({ type: 'error', atMs: this.deps.clock.now(), code: 'store', message: `could not store a group message: ${(err as Error).message}` });
    });
  }

  /** A session came up: send what waited for it. */
  sessionUp(peerId: string): void {
    const queued = this.queues.get(peerId);
    if (!queued) return;
    this.queues.delete(peerId);
    for (const item of queued) this.deps.sendItem(peerId, item);
  }

  /** The stored messages of a room, in HLC order. */
  history(room: string, limit: number): GroupEntry[] {
    return this.deps.store.list(room, limit);
  }

  private async apply(actions: GossipAction[]): Promise<void> {
    const stores: Promise<void>[] = [];
    for (const action of actions) {
      switch (action.type) {
        case 'send':
          this.send(action.to, action.item);
          break;
        case 'deliver':
          stores.push(this.deliver(action.message, action.hops));
          break;
        case 'reject':
          this.deps.counters.add(`gossip.rejected.${action.reason}`);
          break;
        case 'duplicate':
          this.deps.counters.add('gossip.duplicates');
          break;
        case 'disconnect':
          this.deps.counters.add('gossip.disconnected.invalid_flood');
          this.deps.disconnect(action.peer, action.reason);
          break;
      }
    }
    await Promise.all(stores);
  }

  private send(peerId: string, item: Item): void {
    const kind = item.kind?.$case;
    this.deps.counters.add(kind === 'group' ? 'gossip.copies_sent' : `gossip.${kind}s_sent`);
    if (this.deps.sendItem(peerId, item)) return;
    let queue = this.queues.get(peerId);
    if (!queue) this.queues.set(peerId, (queue = []));
    if (queue.length >= MAX_QUEUED_PER_PEER) {
      this.deps.counters.add('gossip.queue_dropped');
      return;
    }
    queue.push(item);
    this.deps.needSession(peerId);
  }

  private async deliver(message: VerifiedGroupMessage, hops: number): Promise<void> {
    const { body } = message;
    const now = this.deps.clock.now();
    if (hops > 0) this.hlc.observe({ wallMs: body.hlcWallMs, logical: body.hlcLogical }, now);
    const entry: GroupEntry = {
      messageId: message.id,
      room: body.room,
      authorId: body.authorId,
      authorName: body.authorName,
      text: body.text,
      hlcWallMs: body.hlcWallMs,
      hlcLogical: body.hlcLogical,
      receivedAtMs: now,
      hops,
    };
    if (!(await this.deps.store.add(entry, message.wire))) {
      this.deps.counters.add('gossip.duplicates');
      return;
    }
    this.deps.counters.add('gossip.delivered');
    if (!this.deps.rooms.has(body.room)) return;
    const { receivedAtMs: _stored, ...shown } = entry;
    this.deps.emit({ type: 'group_message', atMs: now, ...shown });
  }
}
