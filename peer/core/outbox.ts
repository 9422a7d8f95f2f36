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
  /** When it last went out on a session; undefined while not in flight. */
  sentAt: number | undefined;
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
  private readonly byPeer = new Map<string, Map<string, Entry>>();
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
    if (!queue) this.byPeer.set(item.toId, (queue = new Map()));
    queue.set(item.messageId, { item, attempts: 0, sentAt: undefined });
    this.peerOf.set(item.messageId, item.toId);
  }

  /** Drops an acknowledged message; returns it, or undefined if it was not pending. */
  ack(messageId: string): OutboxItem | undefined {
    const peerId = this.peerOf.get(messageId);
    if (peerId === undefined) return undefined;
    this.peerOf.delete(messageId);
    const queue = this.byPeer.get(peerId)!;
    const entry = queue.get(messageId)!;
    queue.delete(messageId);
    if (queue.size === 0) this.byPeer.delete(peerId);
    return entry.item;
  }

  /** A session to `peerId` broke: what was in flight must go again on the next one. */
  sessionDown(peerId: string): void {
    for (const entry of this.byPeer.get(peerId)?.values() ?? []) entry.sentAt = undefined;
  }

  /**
   * What to send now. `isUp(peerId)` tells whether a session is live.
   * With `onlyPeer`, looks at that recipient only (after an add or an ack).
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
      let inFlight = 0;
      for (const entry of queue.values()) {
        if (entry.sentAt !== undefined && now < entry.sentAt + this.retryDelay(entry.attempts)) {
          inFlight++;
          continue;
        }
        if (inFlight >= this.options.windowPerPeer) break;
        entry.attempts++;
        entry.sentAt = now;
        inFlight++;
        send.push(entry.item);
      }
    }
    return { send, needSession };
  }

  /** When the earliest in-flight message is due for a resend, if any. */
  nextWakeAt(): number | undefined {
    let earliest: number | undefined;
    for (const queue of this.byPeer.values()) {
      for (const entry of queue.values()) {
        if (entry.sentAt === undefined) continue;
        const at = entry.sentAt + this.retryDelay(entry.attempts);
        if (earliest === undefined || at < earliest) earliest = at;
        // Entries are in send order, so the first in flight is the earliest of its queue.
        break;
      }
    }
    return earliest;
  }

  private retryDelay(attempts: number): number {
    const doubled = this.options.retryAfterMs * 2 ** Math.max(0, attempts - 1);
    return Math.min(doubled, this.options.maxRetryAfterMs);
  }
}
