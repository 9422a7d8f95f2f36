import type { DeliverEvent, SendEvent } from '../metrics/events.js';

/** A message sent and not yet seen at its recipient. */
export interface PendingMessage {
  id: string;
  from: string;
  to: string;
}

/**
 * What the load driver sent and what the recipients have shown, by message id: the
 * state `wait_for: delivered` and the end-of-run drain wait on, and what a restarted
 * peer is asked about. Send calls still in flight count as not delivered.
 */
export class DeliveryLedger {
  private readonly pending = new Map<string, PendingMessage>();
  /** Every id seen delivered, also before its send was recorded (the streams race). */
  private readonly delivered = new Set<string>();
  private readonly inFlight = new Map<string, number>();
  private inFlightTotal = 0;
  sentCount = 0;
  deliveredCount = 0;

  /** A Send call to `from`'s control API is on its way. */
  beginSend(from: string): void {
    this.inFlight.set(from, (this.inFlight.get(from) ?? 0) + 1);
    this.inFlightTotal++;
  }

  /** That Send call returned (or failed). */
  endSend(from: string): void {
    const n = (this.inFlight.get(from) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(from);
    else this.inFlight.set(from, n);
    this.inFlightTotal--;
  }

  /** Send calls to `from` not yet returned. */
  inFlightFrom(from: string): number {
    return this.inFlight.get(from) ?? 0;
  }

  onSend(e: SendEvent): void {
    this.sentCount++;
    if (!this.delivered.has(e.id)) this.pending.set(e.id, { id: e.id, from: e.from, to: e.to });
  }

  onDeliver(e: DeliverEvent): void {
    if (this.delivered.has(e.id)) return;
    this.delivered.add(e.id);
    this.deliveredCount++;
    this.pending.delete(e.id);
  }

  isDelivered(id: string): boolean {
    return this.delivered.has(id);
  }

  /** Every send so far has been delivered, and no Send call is in flight. */
  get allDelivered(): boolean {
    return this.pending.size === 0 && this.inFlightTotal === 0;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get inFlightCount(): number {
    return this.inFlightTotal;
  }

  /** Messages to `to` not yet delivered. */
  pendingTo(to: string): PendingMessage[] {
    return [...this.pending.values()].filter((m) => m.to === to);
  }

  /** A few undelivered messages, for an error message. */
  somePending(n: number): PendingMessage[] {
    const out: PendingMessage[] = [];
    for (const m of this.pending.values()) {
      if (out.length >= n) break;
      out.push(m);
    }
    return out;
  }
}
