/**
 * One peer's control API event stream, turned into history events: peer ids become the
 * lab's names, `t` is when the lab heard it (lab clock). Events from before the
 * subscription are not replayed, so once subscribed the feed asks ListPeers for what
 * the peer already sees, and after a restart asks History for messages that arrived
 * before it could listen.
 */
import type { PeerEvent } from '../../peer/events.js';
import type { HistoryEvent } from '../metrics/events.js';
import type { StartedPeer } from '../runtimes/runtime.js';
import { LabError } from '../runtimes/errors.js';
import type { RunContext } from './context.js';
import type { FeedHandle, PeerSlot } from './fleet.js';
import { reconcileGossip } from './gossip.js';
import { reconcileDeliveries } from './reconcile.js';
import { withTimeout } from './waiting.js';

/** How long a peer may take to accept a subscription and answer ListPeers. */
const SUBSCRIBE_TIMEOUT_MS = 10_000;

/** A live event feed from one peer. */
export class EventFeed implements FeedHandle {
  private closed = false;
  private endExpected = false;
  /** Ids recorded from History after a restart: their stream event, if it still comes, is the same delivery. */
  private readonly reconciled = new Set<string>();
  private close_: () => void = () => undefined;
  private refreshing = false;
  /** The subscription misses nothing (the simulator): no ListPeers after each new peer. */
  private gapless = false;
  private refreshAgain = false;

  private constructor(
    private readonly ctx: RunContext,
    private readonly slot: PeerSlot,
    private readonly peer: StartedPeer,
  ) {}

  /**
   * How long the peer may take to accept the subscription and answer ListPeers: as long
   * as it had to come up (the fleet's ready timeout, which grows with the fleet), and
   * at least SUBSCRIBE_TIMEOUT_MS. A host process busy starting hundreds of peers answers
   * late (300 peers: over 10 s), which is slow, not gone.
   */
  private get deadlineMs(): number {
    return Math.max(SUBSCRIBE_TIMEOUT_MS, this.ctx.plan.readyTimeoutMs);
  }

  /** Subscribes to `peer`'s events for `slot`; `restarted` also recovers deliveries missed while it started. */
  static async open(ctx: RunContext, slot: PeerSlot, peer: StartedPeer, restarted: boolean): Promise<EventFeed> {
    const feed = new EventFeed(ctx, slot, peer);
    ctx.view.reset(slot.name);
    const subscription = peer.control.subscribe(
      (event) => feed.onEvent(event, ctx.recorder.now()),
      (error) => feed.onEnd(error),
    );
    feed.close_ = () => subscription.close();
    feed.gapless = subscription.gapless === true;
    try {
      await withTimeout(subscription.ready, feed.deadlineMs, `${slot.name} did not accept an event subscription within ${feed.deadlineMs} ms`, ctx.recorder.clock);
      await feed.refresh();
      if (restarted) await reconcileDeliveries(ctx, slot, peer, (id) => feed.reconciled.add(id));
      if (restarted) await reconcileGossip(ctx, slot, peer, (id) => feed.reconciled.add(id));
    } catch (err) {
      feed.close();
      throw new LabError(`cannot follow ${slot.name}'s events: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return feed;
  }

  expectEnd(): void {
    this.endExpected = true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.endExpected = true;
    this.close_();
  }

  /**
   * Records what ListPeers shows and the view lacks: on subscribing (what happened
   * before), and again when a peer appears. A session a peer answered before we
   * subscribed, with a peer not yet in its table, is in no event and in no ListPeers
   * until that peer is discovered; its `session_up` is recorded then (handshakeMs 0).
   */
  private async refresh(): Promise<void> {
    const peers = await withTimeout(this.peer.control.listPeers(), this.deadlineMs, `${this.slot.name} did not answer ListPeers within ${this.deadlineMs} ms`, this.ctx.recorder.clock);
    const t = this.ctx.recorder.now();
    for (const entry of peers) {
      this.ctx.fleet.withName(entry.id, (other) => {
        const me = this.slot.name;
        if (!this.ctx.view.sees(me, other)) this.record({ t, type: 'peer_up', peer: me, other });
        if (entry.sessionUp && !this.ctx.view.hasSession(me, other)) this.record({ t, type: 'session_up', peer: me, other, handshakeMs: 0 });
      });
    }
  }

  private onEvent(event: PeerEvent, t: number): void {
    if (this.closed) return;
    const me = this.slot.name;
    const { fleet, view, recorder } = this.ctx;
    switch (event.type) {
      case 'peer_up':
      case 'peer_down':
        fleet.withName(event.peerId, (other) => {
          this.record({ t, type: event.type, peer: me, other });
          // O(peers) per new peer: on a gapless feed nothing can be missing, and at 1,000 peers it was N³.
          if (event.type === 'peer_up' && !this.gapless && !view.hasSession(me, other)) this.refreshSoon();
        });
        break;
      case 'session_up':
        // Only the dialling side timed a handshake; the answering side counts as 0.
        fleet.withName(event.peerId, (other) =>
          this.record({ t, type: 'session_up', peer: me, other, handshakeMs: event.initiator ? event.handshakeMs : 0 }),
        );
        break;
      case 'session_down':
        fleet.withName(event.peerId, (other) => {
          view.sessionDown(me, other);
          recorder.changed();
        });
        break;
      case 'message':
        if (this.reconciled.delete(event.messageId)) break;
        fleet.withName(event.fromId, (from) => this.record({ t, type: 'deliver', id: event.messageId, from, to: me }));
        break;
      case 'group_message':
        // One per message per peer; the author's own at hops 0 (the origin).
        if (this.reconciled.delete(event.messageId)) break;
        this.record({ t, type: 'gdeliver', id: event.messageId, peer: me, hops: event.hops });
        break;
      case 'delivered':
        fleet.withName(event.toId, (to) => this.record({ t, type: 'ack', id: event.messageId, from: me, to }));
        break;
      case 'error':
        this.record({ t, type: 'error', peer: me, message: `${event.code}: ${event.message}` });
        break;
      case 'name_conflict':
        this.record({ t, type: 'error', peer: me, message: `name conflict: ${event.claimingId.slice(0, 12)} claims "${event.name}", bound to ${event.knownId.slice(0, 12)}` });
        break;
      default:
        // ready is not streamed.
        break;
    }
  }

  /** One refresh at a time; peers discovered meanwhile are covered by the next. */
  private refreshSoon(): void {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    this.refresh()
      .catch(() => undefined) // the peer went down; its feed is closing
      .finally(() => {
        this.refreshing = false;
        if (this.refreshAgain && !this.closed) {
          this.refreshAgain = false;
          this.refreshSoon();
        }
      });
  }

  private onEnd(error?: Error): void {
    if (this.closed || this.endExpected) return;
    this.closed = true;
    // The exit watcher reports a peer that died; this catches a stream that ended while the peer lives.
    this.ctx.recorder.emit({ type: 'error', peer: this.slot.name, message: `event stream ended${error ? `: ${error.message}` : ''}` });
  }

  private record(event: HistoryEvent): void {
    if (!this.closed) this.ctx.recorder.record(event);
  }
}
