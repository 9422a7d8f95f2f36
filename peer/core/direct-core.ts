/**
 * Reliable 1:1 messages, without IO: the outbox, acks after the recipient has
 * stored the message, exactly-once display by message id.
 *
 * Sender: into the history on disk first (an outgoing entry not yet delivered
 * is the outbox), then onto the session; marked delivered only when the ack
 * comes, so a crash or a restart of either side just means a resend.
 * Recipient: stores, then acks; a resend of something already stored is acked
 * again but not shown again.
 */
import type { DirectMessage, Item } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { LIMITS, LimitError, utf8Length } from '../limits.js';
import type { CoreContext } from './context.js';
import type { Token } from './events.js';
import { OutboxCore, type OutboxItem } from './outbox.js';

/** What direct messaging needs of sessions. */
export interface DirectHooks {
  isUp(peerId: string): boolean;
  /** Queues items on the live session to `peerId`; false when none is up. */
  transmit(peerId: string, items: Item[]): boolean;
  /** Asks for a session to `peerId` (dial now, or after backoff). */
  needSession(peerId: string): void;
}

export class DirectCore {
  private readonly outbox = new OutboxCore();
  private readonly isUp = (peerId: string) => this.hooks.isUp(peerId);
  /** When resends are next due, worked out again only after the outbox changed (asked after every event). */
  private wakeAt: number | undefined;
  private wakeKnown = true;

  constructor(
    private readonly ctx: CoreContext,
    private readonly hooks: DirectHooks,
    /** Outgoing messages an earlier run left unacknowledged (from the history store). */
    pending: OutboxItem[],
  ) {
    for (const item of pending) this.outbox.add(item);
  }

  /** Messages not yet acknowledged. */
  get pendingCount(): number {
    return this.outbox.size;
  }

  /** A user's message to a resolved recipient; the result comes once it is on disk. */
  send(token: Token, to: { id: string; name: string }, text: string): void {
    const bytes = utf8Length(text);
    if (bytes === 0) return this.ctx.fail(token, 'invalid', 'message is empty');
    if (bytes > LIMITS.messageTextBytes) {
      return this.ctx.fail(token, 'invalid', `message is ${bytes} bytes, over the limit of ${LIMITS.messageTextBytes}`);
    }
    if (this.outbox.size >= LIMITS.outboxMessages) {
      const limit = new LimitError('the outbox (messages not yet acknowledged)', this.outbox.size, LIMITS.outboxMessages, 'messages');
      return this.ctx.fail(token, 'limit', limit.message);
    }
    const item: OutboxItem = { messageId: uuid(this.ctx.crypto.randomBytes(16)), toId: to.id, toName: to.name, text, sentAtMs: this.ctx.now.wallMs };
    const write = { kind: 'outgoing' as const, messageId: item.messageId, peerId: to.id, peerName: to.name, text, sentAtMs: item.sentAtMs };
    this.ctx.store(
      write,
      () => {
        this.ctx.counters.add('direct.sent');
        this.outbox.add(item);
        this.pump(to.id);
        this.ctx.result(token, { messageId: item.messageId, toId: item.toId });
      },
      (message) => this.ctx.fail(token, 'error', message),
    );
  }

  /** Direct messages and acks that arrived on the session with `peerId`. */
  receive(peerId: string, peerName: string, items: Item[]): void {
    for (const item of items) {
      const kind = item.kind;
      if (kind?.$case === 'direct') this.receiveDirect(peerId, peerName, kind.value);
      else if (kind?.$case === 'ack') this.receiveAck(peerId, kind.value.id);
      else this.ctx.counters.add('direct.unknown_item');
    }
  }

  /** A session to `peerId` came up: send what waits for it. */
  sessionUp(peerId: string): void {
    this.pump(peerId);
  }

  /** A session to `peerId` broke: resend what was in flight on the next one. */
  sessionDown(peerId: string): void {
    this.wakeKnown = false;
    this.outbox.sessionDown(peerId);
    if (this.outbox.recipients().includes(peerId)) this.hooks.needSession(peerId);
  }

  /** A peer appeared (or came back): if messages wait for it, get a session. */
  peerAvailable(peerId: string): void {
    this.pump(peerId);
  }

  /** The timer's pass: resend what is overdue, redial who has messages waiting. */
  wake(): void {
    this.apply(this.outbox.due(this.ctx.now.monoMs, this.isUp));
  }

  /** When resends are next due. */
  nextDeadline(): number | undefined {
    if (!this.wakeKnown) {
      this.wakeAt = this.outbox.nextWakeAt();
      this.wakeKnown = true;
    }
    return this.wakeAt;
  }

  private pump(peerId: string): void {
    this.apply(this.outbox.due(this.ctx.now.monoMs, this.isUp, peerId));
  }

  private apply(decision: { send: OutboxItem[]; needSession: string[] }): void {
    if (decision.send.length > 0) {
      this.wakeKnown = false;
      this.transmitAll(decision.send);
    }
    for (const peerId of decision.needSession) this.hooks.needSession(peerId);
  }

  private transmitAll(send: OutboxItem[]): void {
    // Usually one recipient (a send or an ack fills one peer's window): no map for that.
    const toId = send[0]!.toId;
    if (send.every((item) => item.toId === toId)) return this.transmitTo(toId, send.map(directItem));
    const byPeer = new Map<string, Item[]>();
    for (const item of send) {
      let items = byPeer.get(item.toId);
      if (!items) byPeer.set(item.toId, (items = []));
      items.push(directItem(item));
    }
    for (const [peerId, items] of byPeer) this.transmitTo(peerId, items);
  }

  private transmitTo(peerId: string, items: Item[]): void {
    if (this.hooks.transmit(peerId, items)) this.ctx.counters.add('direct.transmitted', items.length);
  }

  private receiveDirect(peerId: string, peerName: string, message: DirectMessage): void {
    if (message.id.length === 0 || utf8Length(message.id) > LIMITS.messageIdBytes) {
      this.ctx.counters.add('direct.rejected.bad_id');
      return;
    }
    if (utf8Length(message.text) > LIMITS.messageTextBytes) {
      this.ctx.counters.add('direct.rejected.too_long');
      return;
    }
    const { id, text, sentAtMs } = message;
    const write = { kind: 'incoming' as const, messageId: id, peerId, peerName, text, sentAtMs, atMs: this.ctx.now.wallMs };
    this.ctx.store(
      write,
      (fresh) => {
        // Ack only now that it is on disk; a lost ack just means the sender resends.
        this.hooks.transmit(peerId, [{ kind: { $case: 'ack', value: { id } } }]);
        if (!fresh) {
          this.ctx.counters.add('direct.duplicates');
          return;
        }
        this.ctx.counters.add('direct.received');
        this.ctx.emit({ type: 'message', atMs: this.ctx.now.wallMs, messageId: id, fromId: peerId, fromName: peerName, text, sentAtMs });
      },
      (error) => this.storeFailed(error),
    );
  }

  private receiveAck(peerId: string, messageId: string): void {
    const item = this.outbox.ack(messageId);
    this.wakeKnown = false;
    // An ack must come from the recipient itself, over its own session.
    if (!item || item.toId !== peerId) {
      if (item) this.outbox.add(item);
      this.ctx.counters.add('direct.unexpected_acks');
      return;
    }
    this.pump(peerId);
    this.ctx.store(
      { kind: 'delivered', peerId, messageId, atMs: this.ctx.now.wallMs },
      () => {
        this.ctx.counters.add('direct.delivered');
        this.ctx.emit({ type: 'delivered', atMs: this.ctx.now.wallMs, messageId, toId: peerId, toName: item.toName });
      },
      (error) => this.storeFailed(error),
    );
  }

  /** A failed store write (a full disk, say) is reported, never a crash. */
  private storeFailed(message: string): void {
    this.ctx.counters.add('direct.store_errors');
    this.ctx.error('store', `could not store a direct message: ${message}`);
  }
}

function directItem(item: OutboxItem): Item {
  return { kind: { $case: 'direct', value: { id: item.messageId, text: item.text, sentAtMs: item.sentAtMs } } };
}

/** A random (version 4) UUID from 16 random bytes. */
function uuid(bytes: Buffer): string {
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
