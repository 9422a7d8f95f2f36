import type { GossipDeliverEvent, GossipSendEvent } from '../metrics/events.js';

/**
 * Group messages written and which peers have shown each: what `wait_for:
 * gossip_delivered` and the end-of-run drain wait on, and what a restarted peer is asked
 * about. A showing can be recorded before its send (the author's own event races the
 * Say call's answer), so holders are kept by id whatever arrives first.
 */
export class GossipLedger {
  private readonly holders = new Map<string, Set<string>>();
  private readonly sends = new Map<string, GossipSendEvent>();
  /** Sent ids not yet shown by every peer the run has started: the only ones a check must look at. */
  private readonly open = new Set<string>();
  sentCount = 0;

  onSend(e: GossipSendEvent): void {
    if (this.sends.has(e.id)) return;
    this.sends.set(e.id, e);
    this.open.add(e.id);
    this.sentCount++;
  }

  onDeliver(e: GossipDeliverEvent): void {
    let set = this.holders.get(e.id);
    if (!set) this.holders.set(e.id, (set = new Set()));
    set.add(e.peer);
  }

  /** Whether `peer` has shown message `id`. */
  has(id: string, peer: string): boolean {
    return this.holders.get(id)?.has(peer) ?? false;
  }

  /** Rooms written to so far. */
  rooms(): string[] {
    return [...new Set([...this.sends.values()].map((s) => s.room))];
  }

  /** Sent ids not yet shown by every peer started, now. */
  openIds(): string[] {
    return [...this.open];
  }

  /** Sent ids `peer` has not shown. */
  missingAt(peer: string): string[] {
    return [...this.open].filter((id) => !this.has(id, peer));
  }

  /**
   * Every message written so far has been shown by every peer in `peers`. `started` is
   * how many peers the run has started: a message every one of them has shown is done
   * for good and is not looked at again.
   */
  heldByAll(peers: readonly string[], started: number): boolean {
    for (const id of this.open) {
      const holders = this.holders.get(id);
      if (holders && holders.size >= started) {
        this.open.delete(id);
        continue;
      }
      for (const p of peers) if (!holders?.has(p)) return false;
    }
    return true;
  }

  /** (message, peer) pairs still missing among `peers`, at most `limit`, and how many in all. */
  missing(peers: readonly string[], limit: number): { total: number; some: Array<{ id: string; peer: string }> } {
    const some: Array<{ id: string; peer: string }> = [];
    let total = 0;
    for (const id of this.open) {
      for (const p of peers) {
        if (this.has(id, p)) continue;
        total++;
        if (some.length < limit) some.push({ id, peer: p });
      }
    }
    return { total, some };
  }
}
