/**
 * The outbox's decisions, without IO: which queued direct messages to put on
 * a session now, which peers need a session, and when to look again.
 *
 * Messages stay here until acknowledged. At most `windowPerPeer` are in
 * flight to one peer; the rest wait, so a slow or absent recipient costs
 * memory in the outbox, not in socket buffers. A message in flight on a live
 * session is resent only after `retryAfterMs` (doubling, capped), because the
 * stream itself is reliable; when a session breaks, everything in flight to
 * that peer goes again as soon as a new session is up. The recipient
 * deduplicates by message id, so a resend is never shown twice.
 *
 * Sends and acks touch only the messages they move (the hot path of a busy
 * session); only the timer looks through what is in flight for resends.
 */
export interface OutboxItem {
  readonly messageId: string;
  readonly toId: string;
  readonly toName: string;
  readonly text: string;
  readonly sentAtMs: number;
}

export interface OutboxCoreOptions {
  windowPerPeer: number;
  retryAfterMs: number;
  maxRetryAfterMs: number;
}

export const DEFAULT_OUTBOX_OPTIONS: OutboxCoreOptions = {
  windowPerPeer: 1024,
  retryAfterMs: 5_000,
  maxRetryAfterMs: 60_000,
};

interface Entry {
  readonly item: OutboxItem;
  attempts: number;
  /** When it last went out on a session. */
  sentAt: number;
}

/** One recipient's messages: waiting, and on the wire (in the order they last went out). */
interface PeerQueue {
  waiting: Map<string, Entry>;
  inFlight: Map<string, Entry>;
}

/** What the adapter should do now. */
export interface OutboxDecision {
  /** Put these on the recipient's live session. */
  readonly send: OutboxItem[];
  /** These peers have messages waiting and no live session. */
  readonly needSession: string[];
}

/** Pending direct messages per recipient, in the order they were sent. */
export class OutboxCore {
  private readonly byPeer = new Map<string, PeerQueue>();
  private readonly peerOf = new Map<string, string>();

  constructor(private readonly options: OutboxCoreOptions = DEFAULT_OUTBOX_OPTIONS) {}

  /** Number of messages not yet acknowledged. */
  get size(): number {
    return this.peerOf.size;
  }

  /** Peers that have messages waiting. */
  recipients(): string[] {
    return [...this.byPeer.keys()];
  }

  /** Queues a message; it goes out on the next `due`. */
  add(item: OutboxItem): void {
    if (this.peerOf.has(item.messageId)) return;
    let queue = this.byPeer.get(item.toId);
    if (!queue) this.byPeer.set(item.toId, (queue = { waiting: new Map(), inFlight: new Map() }));
    queue.waiting.set(item.messageId, { item, attempts: 0, sentAt: 0 });
    this.peerOf.set(item.messageId, item.toId);
  }

  /** Drops an acknowledged message; returns it, or undefined if it was not pending. */
  ack(messageId: string): OutboxItem | undefined {
    const peerId = this.peerOf.get(messageId);
    if (peerId === undefined) return undefined;
    this.peerOf.delete(messageId);
    const queue = this.byPeer.get(peerId)!;
    const entry = queue.inFlight.get(messageId) ?? queue.waiting.get(messageId)!;
    queue.inFlight.delete(messageId);
    queue.waiting.delete(messageId);
    if (queue.inFlight.size === 0 && queue.waiting.size === 0) this.byPeer.delete(peerId);
    return entry.item;
  }

  /** A session to `peerId` broke: what was in flight must go again, first, on the next one. */
  sessionDown(peerId: string): void {
    const queue = this.byPeer.get(peerId);
    if (!queue || queue.inFlight.size === 0) return;
    queue.waiting = new Map([...queue.inFlight, ...queue.waiting]);
    queue.inFlight = new Map();
  }

  /**
   * What to send now. `isUp(peerId)` tells whether a session is live.
   * With `onlyPeer` (after an add or an ack) it only fills that peer's window;
   * without, it is the timer's pass and also resends what is overdue.
   */
  due(now: number, isUp: (peerId: string) => boolean, onlyPeer?: string): OutboxDecision {
    const send: OutboxItem[] = [];
    const needSession: string[] = [];
    const peers = onlyPeer === undefined ? [...this.byPeer.keys()] : this.byPeer.has(onlyPeer) ? [onlyPeer] : [];
    for (const peerId of peers) {
      const queue = this.byPeer.get(peerId)!;
      if (!isUp(peerId)) {
        needSession.push(peerId);
        continue;
      }
      if (onlyPeer === undefined) this.resendOverdue(queue, now, send);
      for (const [id, entry] of queue.waiting) {
        if (queue.inFlight.size >= this.options.windowPerPeer) break;
        queue.waiting.delete(id);
        this.transmit(queue, entry, now, send);
      }
    }
    return { send, needSession };
  }

  /**
   * When to look for resends next: the deadline of the oldest message on the
   * wire of each peer. (A message resent several times waits longer than a
   * younger one; the timer's pass catches it a little late, never early.)
   */
  nextWakeAt(): number | undefined {
    let earliest: number | undefined;
    for (const queue of this.byPeer.values()) {
      const oldest = queue.inFlight.values().next().value;
      if (!oldest) continue;
      const at = oldest.sentAt + this.retryDelay(oldest.attempts);
      if (earliest === undefined || at < earliest) earliest = at;
    }
    return earliest;
  }

  private resendOverdue(queue: PeerQueue, now: number, send: OutboxItem[]): void {
    for (const [id, entry] of [...queue.inFlight]) {
      if (now < entry.sentAt + this.retryDelay(entry.attempts)) continue;
      // Re-inserted at the end: inFlight stays in the order messages last went out.
      queue.inFlight.delete(id);
      this.transmit(queue, entry, now, send);
    }
  }

  private transmit(queue: PeerQueue, entry: Entry, now: number, send: OutboxItem[]): void {
    entry.attempts++;
    entry.sentAt = now;
    queue.inFlight.set(entry.item.messageId, entry);
    send.push(entry.item);
  }

  private retryDelay(attempts: number): number {
    const doubled = this.options.retryAfterMs * 2 ** Math.max(0, attempts - 1);
    return Math.min(doubled, this.options.maxRetryAfterMs);
  }
}
