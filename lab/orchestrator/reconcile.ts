import type { StartedPeer } from '../runtimes/runtime.js';
import type { RunContext } from './context.js';
import type { PeerSlot } from './fleet.js';

/** The most history entries one call may ask for (the control API's own cap). */
const HISTORY_LIMIT = 10_000;

/**
 * After a restart, messages can reach the peer before the lab has subscribed to its
 * events (others resend from their outboxes the moment it is back), and a message the
 * peer stored just before it was killed is never shown again. Both are in its history:
 * every undelivered message to it that History lists as received is recorded as
 * delivered now. Their latency is therefore an upper bound (by the few ms the
 * subscription took); `markReconciled` lets the feed drop the same id if its stream
 * event still comes.
 */
export async function reconcileDeliveries(ctx: RunContext, slot: PeerSlot, peer: StartedPeer, markReconciled: (id: string) => void): Promise<void> {
  const bySender = new Map<string, Set<string>>();
  for (const m of ctx.ledger.pendingTo(slot.name)) {
    let ids = bySender.get(m.from);
    if (!ids) bySender.set(m.from, (ids = new Set()));
    ids.add(m.id);
  }
  for (const [from, ids] of bySender) {
    const fromId = ctx.fleet.slots.find((s) => s.name === from)?.id;
    if (!fromId) continue;
    const entries = await peer.control.history(fromId, HISTORY_LIMIT);
    const t = ctx.recorder.now();
    for (const entry of entries) {
      if (entry.direction !== 'in' || !ids.has(entry.messageId) || ctx.ledger.isDelivered(entry.messageId)) continue;
      markReconciled(entry.messageId);
      ctx.recorder.record({ t, type: 'deliver', id: entry.messageId, from, to: slot.name });
    }
  }
}
