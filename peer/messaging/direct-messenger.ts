/**
 * Reliable 1:1 messages: outbox on disk, sealed delivery, acks after the
 * recipient has stored the message, exactly-once display by message id.
 *
 * Sender: into the history on disk first (an outgoing entry not yet delivered
 * is the outbox), then onto the session; marked delivered only when the ack
 * comes, so a crash or a restart of either side just means a resend. Recipient: stores, then acks; a resend of something
 * already stored is acked again but not shown again.
 */
import { randomUUID } from 'node:crypto';
import type { DirectMessage, Item } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { Clock } from '../clock.js';
import { OutboxCore, type OutboxItem } from '../core/outbox.js';
import type { Counters } from '../counters.js';
import { LIMITS, LimitError, utf8Length } from '../limits.js';
import type { PeerEvent } from '../events.js';
import type { HistoryStore } from '../store/history-store.js';

export interface DirectMessengerOptions {
  clock: Clock;
  counters: Counters;
  /** Also the outbox: outgoing messages not yet delivered are the pending ones. */
  history: HistoryStore;
  emit(event: PeerEvent): void;
  /** Puts an item on the live session to `peerId`; false when none is up. */
  sendItem(peerId: string, item: Item): boolean;
  isUp(peerId: string): boolean;
  /** Asks for a session to `peerId` (dial now, or after backoff). */
  needSession(peerId: string): void;
  /** Asks to be woken (`wake()`) at this monotonic time. */
  wakeAt(at: number): void;
}

/** A message the user could not send: unknown recipient, text too long. */
export class SendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SendError';
  }
}

export class DirectMessenger {
  private readonly core = new OutboxCore();

  constructor(private readonly options: DirectMessengerOptions) {
    for (const entry of options.history.pendingOutgoing()) {
      this.core.add({ messageId: entry.messageId, toId: entry.peerId, toName: entry.peerName, text: entry.text, sentAtMs: entry.sentAtMs });
    }
  }

  /** Messages not yet acknowledged. */
  get pendingCount(): number {
    return this.core.size;
  }

  /** Sends `text` to a resolved recipient; resolves once it is safe on disk. */
  async send(to: { id: string; name: string }, text: string): Promise<OutboxItem> {
    const bytes = utf8Length(text);
    if (bytes === 0) throw new SendError('message is empty');
    if (bytes > LIMITS.messageTextBytes) {
      throw new SendError(`message is ${bytes} bytes, over the limit of ${LIMITS.messageTextBytes}`);
    }
    if (this.core.size >= LIMITS.outboxMessages) {
      throw new LimitError('the outbox (messages not yet acknowledged)', this.core.size, LIMITS.outboxMessages, 'messages');
    }
    const item: OutboxItem = { messageId: randomUUID(), toId: to.id, toName: to.name, text, sentAtMs: this.options.clock.now() };
    await this.options.history.recordOutgoing({ messageId: item.messageId, peerId: to.id, peerName: to.name, text, sentAtMs: item.sentAtMs });
    this.options.counters.add('direct.sent');
    this.core.add(item);
    this.pump(to.id);
    return item;
  }

  /** Items that arrived on the session with `peerId`. */
  receive(peerId: string, peerName: string, items: Item[]): void {
    for (const item of items) {
      const kind = item.kind;
      if (kind?.$case === 'direct') this.guard(this.receiveDirect(peerId, peerName, kind.value));
      else if (kind?.$case === 'ack') this.guard(this.receiveAck(peerId, kind.value.id));
      else this.options.counters.add('direct.unknown_item');
    }
  }

  /** A failed store write (a full disk, say) is reported, never an unhandled rejection that ends the peer. */
  private guard(work: Promise<void>): void {
    work.catch((err: unknown) => {
      this.options.counters.add('direct.store_errors');
      this.options.emit({ type: 'error', atMs: this.options.clock.now(), code: 'store', message: `could not store a direct message: ${(err as Error).message}` });
    });
  }

  /** A session to `peerId` came up: send what waits for it. */
  sessionUp(peerId: string): void {
    this.pump(peerId);
  }

  /** A session to `peerId` broke: resend what was in flight on the next one. */
  sessionDown(peerId: string): void {
    this.core.sessionDown(peerId);
    if (this.core.recipients().includes(peerId)) this.options.needSession(peerId);
  }

  /** A peer appeared (or came back): if messages wait for it, get a session. */
  peerAvailable(peerId: string): void {
    this.pump(peerId);
  }

  /** Timer: resend what is overdue, redial who has messages waiting. */
  wake(): void {
    this.apply(this.core.due(this.options.clock.monotonic(), (id) => this.options.isUp(id)));
  }

  private pump(peerId: string): void {
    this.apply(this.core.due(this.options.clock.monotonic(), (id) => this.options.isUp(id), peerId));
  }

  private apply(decision: { send: OutboxItem[]; needSession: string[] }): void {
    for (const item of decision.send) {
      const sent = this.options.sendItem(item.toId, {
        kind: { $case: 'direct', value: { id: item.messageId, text: item.text, sentAtMs: item.sentAtMs } },
      });
      if (sent) this.options.counters.add('direct.transmitted');
    }
    for (const peerId of decision.needSession) this.options.needSession(peerId);
    const next = this.core.nextWakeAt();
    if (next !== undefined) this.options.wakeAt(next);
  }

  private async receiveDirect(peerId: string, peerName: string, message: DirectMessage): Promise<void> {
    if (message.id.length === 0 || utf8Length(message.id) > LIMITS.messageIdBytes) {
      this.options.counters.add('direct.rejected.bad_id');
      return;
    }
    if (utf8Length(message.text) > LIMITS.messageTextBytes) {
      this.options.counters.add('direct.rejected.too_long');
      return;
    }
    const isNew = await this.options.history.recordIncoming({
      messageId: message.id,
      peerId,
      peerName,
      text: message.text,
      sentAtMs: message.sentAtMs,
      atMs: this.options.clock.now(),
    });
    // Ack only now that it is on disk; a lost ack just means the sender resends.
    this.options.sendItem(peerId, { kind: { $case: 'ack', value: { id: message.id } } });
    if (!isNew) {
      this.options.counters.add('direct.duplicates');
      return;
    }
    this.options.counters.add('direct.received');
    this.options.emit({
      type: 'message',
      atMs: this.options.clock.now(),
      messageId: message.id,
      fromId: peerId,
      fromName: peerName,
      text: message.text,
      sentAtMs: message.sentAtMs,
    });
  }

  private async receiveAck(peerId: string, messageId: string): Promise<void> {
    const item = this.core.ack(messageId);
    // An ack must come from the recipient itself, over its own session.
    if (!item || item.toId !== peerId) {
      if (item) this.core.add(item);
      this.options.counters.add('direct.unexpected_acks');
      return;
    }
    this.pump(peerId);
    await this.options.history.markDelivered(peerId, messageId, this.options.clock.now());
    this.options.counters.add('direct.delivered');
    this.options.emit({ type: 'delivered', atMs: this.options.clock.now(), messageId, toId: peerId, toName: item.toName });
  }
}
