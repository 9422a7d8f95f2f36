/**
 * The lab's side of group messages (gossip): broadcast load arrivals, the
 * `gossip_delivered` wait, catching up on what a restarted peer showed before the lab
 * could listen, the verify ceiling measured before the run and every peer's gossip
 * counters read before peers stop. Decisions in lab/orchestrator/README.md ("Gossip").
 */
import { measureVerifyCeiling } from '../metrics/gossip-verify-ceiling.js';
import type { StartedPeer } from '../runtimes/runtime.js';
import type { LoadStep, Scenario } from '../scenario/types.js';
import type { RunContext } from './context.js';
import type { PeerSlot } from './fleet.js';
import { GapScan } from './steps/gap-scan.js';
import { withTimeout } from './waiting.js';

/** The most room history entries one call may ask for (the control API's own cap). */
const HISTORY_LIMIT = 10_000;
const STATS_TIMEOUT_MS = 5_000;

/** Whether the scenario writes group messages. */
export function writesGroupMessages(scenario: Scenario): boolean {
  return scenario.steps.some((s) => s.kind === 'load' && s.pattern === 'broadcast');
}

/**
 * Measures Ed25519 verifications per second here (~0.3 s) and records it, before any peer
 * starts; a runtime that decides it (the simulator's CPU model) gives it instead.
 */
export function recordVerifyCeiling(ctx: RunContext): void {
  const { perS, sampleMs } = ctx.runtime.verifyCeiling?.() ?? measureVerifyCeiling();
  ctx.recorder.emit({ type: 'verify_ceiling', perS, sampleMs });
}

/** Every running peer joins the broadcast's room (everyone is always in "everyone"), so the lab sees its messages. */
export async function joinBroadcastRoom(step: LoadStep, ctx: RunContext): Promise<void> {
  const room = step.room ?? 'everyone';
  if (room === 'everyone') return;
  await Promise.all(ctx.fleet.up().map((slot) => slot.peer!.control.joinRoom(room)));
}

/**
 * The author of a broadcast arrival: one of the step's authors, picked with `r` in [0, 1)
 * whoever is up (so the schedule depends only on the seed); undefined when that author is down.
 */
export function pickAuthor(step: LoadStep, ctx: RunContext, r: number): PeerSlot | undefined {
  const authors = step.authors ?? [];
  const author = authors.length ? ctx.fleet.at(authors[Math.floor(r * authors.length)]!) : undefined;
  return author?.state === 'up' && author.peer ? author : undefined;
}

/** Writes one group message as `author` and records its `gsend`; a failed Say is an error and not counted as sent. */
export function say(ctx: RunContext, step: LoadStep, author: PeerSlot, text: string, scheduledT: number, onFail: () => void): void {
  const { ledger, recorder } = ctx;
  const room = step.room ?? 'everyone';
  // Counted with the Send calls, so a kill lets it settle and waits see it in flight.
  ledger.beginSend(author.name);
  author
    .peer!.control.say(room, text)
    .then(({ messageId }) => recorder.emit({ type: 'gsend', id: messageId, from: author.name, room, scheduledT, size: step.size }))
    .catch((err: unknown) => {
      onFail();
      recorder.emit({ type: 'error', peer: author.name, message: `say in ${room} failed, not counted as sent: ${err instanceof Error ? err.message : String(err)}` });
    })
    .finally(() => {
      ledger.endSend(author.name);
      recorder.changed();
    });
}

/** Every group message written so far is shown by every running peer, and no Say call is in flight. */
export function gossipDelivered(ctx: RunContext): boolean {
  return ctx.ledger.inFlightCount === 0 && ctx.gossip.heldByAll(ctx.fleet.up().map((s) => s.name), ctx.fleet.slots.length);
}

/** The `gossip_delivered` wait condition: asked after every event, it scans (message, running peer) pairs from the last gap on. */
export function gossipDeliveredCondition(ctx: RunContext): { holds(): boolean; missing(): string } {
  let ids: string[] = [];
  let up: PeerSlot[] = [];
  const scan = new GapScan(
    () => {
      ids = ctx.gossip.openIds();
      up = ctx.fleet.up();
      return ids.length * up.length;
    },
    (i) => {
      const slot = up[i % up.length]!;
      return slot.state === 'up' && !ctx.gossip.has(ids[Math.floor(i / up.length)]!, slot.name);
    },
  );
  return {
    holds: () => ctx.ledger.inFlightCount === 0 && scan.clear(),
    missing: () => {
      const { total, some } = ctx.gossip.missing(ctx.fleet.up().map((s) => s.name), 3);
      const inFlight = ctx.ledger.inFlightCount ? `, ${ctx.ledger.inFlightCount} Say calls still in flight` : '';
      const peers = new Set(ctx.fleet.up().flatMap((s) => (ctx.gossip.missingAt(s.name).length ? [s.name] : [])));
      return `${total} (group message, running peer) pairs missing of ${ctx.gossip.sentCount} messages, at ${peers.size} peers${some.length ? ` (e.g. ${some.map((m) => `${m.id.slice(0, 8)} at ${m.peer}`).join(', ')})` : ''}${inFlight}`;
    },
  };
}

/**
 * After a restart, anti-entropy can bring messages before the lab has subscribed, and a
 * message stored just before a kill is never shown again: both are in the room history.
 * Each one the ledger does not have for this peer is recorded as shown now (an upper
 * bound on its time, by the few ms the subscription took).
 */
export async function reconcileGossip(ctx: RunContext, slot: PeerSlot, peer: StartedPeer, markReconciled: (id: string) => void): Promise<void> {
  for (const room of ctx.gossip.rooms()) {
    const missing = new Set(ctx.gossip.missingAt(slot.name));
    if (missing.size === 0) return;
    const entries = await peer.control.roomHistory(room, HISTORY_LIMIT);
    const t = ctx.recorder.now();
    for (const entry of entries) {
      if (!missing.has(entry.messageId) || ctx.gossip.has(entry.messageId, slot.name)) continue;
      markReconciled(entry.messageId);
      ctx.recorder.record({ t, type: 'gdeliver', id: entry.messageId, peer: slot.name, hops: entry.hops });
    }
  }
}

/** Reads every running peer's gossip counters (Stats) and records one `gstats` each; a peer that does not answer is an error. */
export async function recordGossipStats(ctx: RunContext): Promise<void> {
  await Promise.all(
    ctx.fleet.up().map(async (slot) => {
      try {
        const { counters } = await withTimeout(slot.peer!.control.stats(), STATS_TIMEOUT_MS, `no Stats answer within ${STATS_TIMEOUT_MS} ms`, ctx.recorder.clock);
        const c = (name: string) => Number(counters[`gossip.${name}`] ?? 0);
        ctx.recorder.emit({
          type: 'gstats',
          peer: slot.name,
          copiesReceived: c('copies_received'),
          delivered: c('delivered'),
          originated: c('originated'),
          duplicates: c('duplicates'),
          signatureChecks: c('signature_checks'),
          copiesSent: c('copies_sent'),
        });
      } catch (err) {
        ctx.recorder.emit({ type: 'error', peer: slot.name, message: `gossip counters not read: ${err instanceof Error ? err.message : String(err)}` });
      }
    }),
  );
}
