/**
 * Group chat, without IO: the gossip router's decisions carried into actions
 * (sends over sessions, queued briefly for a session that is still opening;
 * store writes; events for joined rooms), the anti-entropy timer, the HLC,
 * the rooms shown, and cutting off neighbours that flood invalid messages.
 */
import type { GroupMessage, Item } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { createGroupMessage, EVERYONE, roomProblem, verifyGroupMessage, type VerifiedGroupMessage } from '../gossip/group-codec.js';
import { LIMITS, utf8Length } from '../limits.js';
import type { GroupEntry } from '../store/group-store.js';
import type { CoreContext } from './context.js';
import type { Token } from './events.js';
import { DEFAULT_GOSSIP_OPTIONS, GossipRouter, type GossipAction, type GossipOptions, type GossipStoreView } from './gossip-router.js';
import { HybridClock } from './hlc.js';
import { NeighbourView, type Candidates } from './neighbour-view.js';

/** Items kept for a neighbour whose session is still opening; past this, anti-entropy covers. */
const MAX_QUEUED_PER_PEER = 1024;
/** How long a neighbour that flooded invalid group messages is refused. */
export const INVALID_FLOOD_BAN_MS = 60_000;

export interface GossipCoreOptions {
  name: string;
  gossip: Partial<GossipOptions>;
  digestIntervalMs: number;
  /** Most gossip neighbours (the view's capacity). */
  neighbours: number;
  /** A neighbour whose session is not up this long after it was chosen is replaced. */
  sessionPatienceMs: number;
}

/** What gossip needs of discovery and sessions. */
export interface GossipHooks {
  /** Peers we could gossip with (heard from directly). */
  candidates: Candidates;
  hasSession(peerId: string): boolean;
  transmit(peerId: string, items: Item[]): boolean;
  needSession(peerId: string): void;
  /** Closes the session to `peerId` and refuses it for a while. */
  disconnect(peerId: string, reason: string, banMs: number): void;
}

export class GossipCore {
  readonly router: GossipRouter;
  private readonly options: GossipOptions;
  private readonly hlc = new HybridClock();
  private readonly queues = new Map<string, Item[]>();
  private readonly rooms: Set<string>;
  /** The neighbours messages are pushed to and digests traded with: at most `neighbours`, not every peer known. */
  private readonly view: NeighbourView;
  /** Peers whose sessions carried gossip to us: they have us among their neighbours. */
  private readonly choseUs = new Set<string>();
  private digestAt: number | undefined;

  constructor(
    private readonly ctx: CoreContext,
    private readonly settings: GossipCoreOptions,
    private readonly hooks: GossipHooks,
    store: GossipStoreView,
    /** Rooms joined in an earlier run (the rooms store). */
    joined: Iterable<string>,
  ) {
    this.options = { ...DEFAULT_GOSSIP_OPTIONS, ...settings.gossip };
    this.rooms = new Set([EVERYONE, ...joined]);
    this.view = new NeighbourView(settings.neighbours);
    // Counted so the lab can set each peer's signature checks against the verify ceiling (~5k/s/core).
    const verify = (wire: GroupMessage) => {
      ctx.counters.add('gossip.signature_checks');
      return verifyGroupMessage(wire, ctx.crypto);
    };
    this.router = new GossipRouter(ctx.identity.id, store, this.options, ctx.random, verify);
  }

  start(): void {
    this.digestAt = this.ctx.now.monoMs + this.settings.digestIntervalMs;
  }

  stop(): void {
    this.digestAt = undefined;
  }

  /** When due: the view repaired and filled, then an anti-entropy round with the next neighbour in turn. */
  tick(): void {
    const now = this.ctx.now.monoMs;
    if (this.digestAt === undefined || now < this.digestAt) return;
    while (this.digestAt <= now) this.digestAt += this.settings.digestIntervalMs;
    this.refreshView();
    const to = this.view.nextForDigest();
    if (to !== undefined) this.apply(this.router.digestRound(this.ctx.now.wallMs, [to]));
  }

  /** True when `peerId` is one of our gossip neighbours. */
  isNeighbour(peerId: string): boolean {
    return this.view.has(peerId);
  }

  /** Our gossip neighbours now. */
  neighbours(): string[] {
    return this.view.list();
  }

  /** A session went down: a neighbour on it is replaced (now, not at the next round). */
  sessionDown(peerId: string): void {
    this.choseUs.delete(peerId);
    if (!this.view.drop(peerId)) return;
    this.ctx.counters.add('gossip.neighbours_replaced');
    if (this.digestAt !== undefined) this.refreshView();
  }

  nextDeadline(): number | undefined {
    return this.digestAt;
  }

  /** The rooms whose messages are shown, sorted. */
  joinedRooms(): string[] {
    return [...this.rooms].sort();
  }

  /** Writes a message to a room ("everyone" for a broadcast); the result comes once it is stored here. */
  say(token: Token, room: string, text: string): void {
    const problem = roomProblem(room);
    if (problem) return this.ctx.fail(token, 'invalid', problem);
    const bytes = utf8Length(text);
    if (bytes === 0) return this.ctx.fail(token, 'invalid', 'message is empty');
    if (bytes > LIMITS.messageTextBytes) return this.ctx.fail(token, 'invalid', `message is ${bytes} bytes, over the limit of ${LIMITS.messageTextBytes}`);
    const now = this.ctx.now.wallMs;
    const message = createGroupMessage(this.ctx.identity, { authorName: this.settings.name, room, text, hlc: this.hlc.tick(now), ttl: this.options.defaultTtl });
    this.ctx.counters.add('gossip.originated');
    this.apply(this.router.originate(message, now, this.view.list()), token);
  }

  /** Shows a room's messages from now on; the result (the rooms joined) once saved. */
  join(token: Token, room: string): void {
    const problem = roomProblem(room);
    if (problem) return this.ctx.fail(token, 'invalid', problem);
    this.changeRooms(token, room, true);
  }

  /** Stops showing a room's messages (they are still relayed for others). */
  leave(token: Token, room: string): void {
    if (room === EVERYONE) return this.ctx.fail(token, 'invalid', `everyone is always in the "${EVERYONE}" room`);
    this.changeRooms(token, room, false);
  }

  /** Gossip items that arrived on the session with `peerId`. */
  receive(peerId: string, items: Item[]): void {
    const now = this.ctx.now.wallMs;
    if (items.length > 0) this.choseUs.add(peerId);
    for (const item of items) {
      const kind = item.kind;
      if (kind?.$case === 'group') {
        this.ctx.counters.add('gossip.copies_received');
        this.apply(this.router.onGroup(peerId, kind.value, now, this.view.list()));
      } else if (kind?.$case === 'digest') {
        this.ctx.counters.add('gossip.digests_received');
        this.apply(this.router.onDigest(peerId, kind.value.sinceMs, kind.value.ids, now));
      } else if (kind?.$case === 'pull') {
        this.apply(this.router.onPull(peerId, kind.value.ids));
      }
    }
  }

  /** A session came up: send what waited for it; a peer that chose us may become our neighbour too. */
  sessionUp(peerId: string): void {
    if (this.digestAt !== undefined && this.view.size < this.view.capacity) this.refreshView();
    const queued = this.queues.get(peerId);
    if (!queued) return;
    this.queues.delete(peerId);
    this.hooks.transmit(peerId, queued);
  }

  private refreshView(): void {
    const now = this.ctx.now.monoMs;
    const peer = { hasSession: (id: string) => this.hooks.hasSession(id), choseUs: this.choseUs };
    const added = this.view.refresh(this.hooks.candidates, peer, this.ctx.random, now, this.settings.sessionPatienceMs);
    for (const id of added) if (!this.hooks.hasSession(id)) this.hooks.needSession(id);
  }

  private changeRooms(token: Token, room: string, join: boolean): void {
    const changed = join ? !this.rooms.has(room) : this.rooms.has(room);
    if (!changed) return this.ctx.result(token, this.joinedRooms());
    if (join) this.rooms.add(room);
    else this.rooms.delete(room);
    this.ctx.store(
      { kind: join ? 'join_room' : 'leave_room', room },
      () => this.ctx.result(token, this.joinedRooms()),
      (message) => this.ctx.fail(token, 'error', message),
    );
  }

  /** Carries out the router's decisions; `token`: a say, answered once its message is stored. */
  private apply(actions: GossipAction[], token?: Token): void {
    for (const action of actions) {
      switch (action.type) {
        case 'send':
          this.send(action.to, action.item);
          break;
        case 'deliver':
          this.deliver(action.message, action.hops, token);
          break;
        case 'reject':
          this.ctx.counters.add(`gossip.rejected.${action.reason}`);
          break;
        case 'duplicate':
          this.ctx.counters.add('gossip.duplicates');
          break;
        case 'disconnect':
          this.ctx.counters.add('gossip.disconnected.invalid_flood');
          this.hooks.disconnect(action.peer, action.reason, INVALID_FLOOD_BAN_MS);
          break;
      }
    }
  }

  private send(peerId: string, item: Item): void {
    const kind = item.kind?.$case;
    this.ctx.counters.add(kind === 'group' ? 'gossip.copies_sent' : `gossip.${kind}s_sent`);
    if (this.hooks.transmit(peerId, [item])) return;
    let queue = this.queues.get(peerId);
    if (!queue) this.queues.set(peerId, (queue = []));
    if (queue.length >= MAX_QUEUED_PER_PEER) {
      this.ctx.counters.add('gossip.queue_dropped');
      return;
    }
    queue.push(item);
    this.hooks.needSession(peerId);
  }

  private deliver(message: VerifiedGroupMessage, hops: number, token: Token | undefined): void {
    const { body } = message;
    const now = this.ctx.now.wallMs;
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
    this.ctx.store(
      { kind: 'group', entry, wire: message.wire },
      (fresh) => {
        if (!fresh) {
          this.ctx.counters.add('gossip.duplicates');
        } else {
          this.ctx.counters.add('gossip.delivered');
          const { receivedAtMs: _stored, ...shown } = entry;
          if (this.rooms.has(body.room)) this.ctx.emit({ type: 'group_message', atMs: now, ...shown });
        }
        if (token !== undefined) this.ctx.result(token, { messageId: message.id });
      },
      (error) => {
        if (token !== undefined) return this.ctx.fail(token, 'error', error);
        // A failed store write is reported, never a crash.
        this.ctx.counters.add('gossip.store_errors');
        this.ctx.error('store', `could not store a group message: ${error}`);
      },
    );
  }
}
