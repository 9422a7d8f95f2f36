/**
 * Checkers for group messages spread by gossip: per-message delivery ratio over the peers
 * that were live for it, dissemination times, hop counts, amplification and ingest per
 * peer. Definitions in lab/metrics/README.md ("Gossip").
 */
import type { GossipSendEvent, GossipStatsEvent, HistoryEvent } from './events.js';
import { Lives } from './gossip-lives.js';
import type { DisseminationSummary, GossipMetrics, GossipPeer } from './gossip-types.js';
import { round } from './histogram.js';
import { byPeerIndex, maxOf, mean, minOf, percentileOf, roundTo } from './stats.js';

/** Points on the dissemination curve. */
const CURVE_POINTS = 160;
/** Messages listed in `worst`, and missing peers named per message. */
const WORST = 10;
/** A peer's ingest window is at least this long, so a peer restarted at the very end does not show a huge rate. */
const MIN_WINDOW_MS = 1000;

/** What one message became. */
interface MessageOutcome {
  send: GossipSendEvent;
  /** Delivery times (ms since scheduled send) to live non-author peers, ascending. */
  times: number[];
  /** Live non-author peers. */
  expected: string[];
  missing: string[];
}

/** Gossip metrics from sorted history events; undefined when the run wrote no group message. */
export function computeGossip(events: readonly HistoryEvent[]): GossipMetrics | undefined {
  const sends = new Map<string, GossipSendEvent>();
  for (const e of events) if (e.type === 'gsend' && !sends.has(e.id)) sends.set(e.id, e);
  if (sends.size === 0) return undefined;

  // First showing of each message at each peer: t and hops.
  const shown = new Map<string, Map<string, { t: number; hops: number }>>();
  for (const e of events) {
    if (e.type !== 'gdeliver') continue;
    let byPeer = shown.get(e.id);
    if (!byPeer) shown.set(e.id, (byPeer = new Map()));
    if (!byPeer.has(e.peer)) byPeer.set(e.peer, { t: e.t, hops: e.hops });
  }

  const lives = new Lives(events);
  const peers = new Set(lives.peers);
  for (const byPeer of shown.values()) for (const p of byPeer.keys()) peers.add(p);
  const everyone = [...peers].sort(byPeerIndex);

  const outcomes: MessageOutcome[] = [];
  const hopCounts = new Map<number, number>();
  const msPerHop: number[] = [];
  const received = new Map<string, number>();
  const expectedBy = new Map<string, number>();
  for (const send of sends.values()) {
    const byPeer = shown.get(send.id) ?? new Map<string, { t: number; hops: number }>();
    const got = [...byPeer.entries()].filter(([p]) => p !== send.from);
    const lastShown = maxOf(got.map(([, d]) => d.t), send.scheduledT);
    // Live for this message: has it, is up at the end (it had until then to catch up), or
    // was up for the whole spread (from the scheduled send to its last showing anywhere).
    const expected = everyone.filter(
      (p) => p !== send.from && (byPeer.has(p) || lives.upAtEnd(p) || lives.upThroughout(p, send.scheduledT, lastShown)),
    );
    for (const p of expected) expectedBy.set(p, (expectedBy.get(p) ?? 0) + 1);
    for (const [p, d] of got) {
      received.set(p, (received.get(p) ?? 0) + 1);
      hopCounts.set(d.hops, (hopCounts.get(d.hops) ?? 0) + 1);
      if (d.hops >= 1) msPerHop.push(Math.max(0, d.t - send.scheduledT) / d.hops);
    }
    outcomes.push({
      send,
      times: got.map(([, d]) => Math.max(0, d.t - send.scheduledT)).sort((a, b) => a - b),
      expected,
      missing: expected.filter((p) => !byPeer.has(p)),
    });
  }

  const ratios = outcomes.map(ratioOf);
  const deliveries = outcomes.reduce((n, o) => n + o.times.length, 0);
  const expected = outcomes.reduce((n, o) => n + o.expected.length, 0);
  const hopsList = [...hopCounts.entries()].sort(([a], [b]) => a - b);
  const hopTotal = hopsList.reduce((n, [, c]) => n + c, 0);
  const stats = latestStats(events);
  const counters = sumCounters(stats);
  const ingest = computeIngest(events, stats, lives, sends);

  return {
    rooms: [...new Set([...sends.values()].map((s) => s.room))].sort(),
    messages: sends.size,
    authors: [...new Set([...sends.values()].map((s) => s.from))].sort(byPeerIndex),
    deliveries,
    expected,
    missing: expected - deliveries,
    delivery_ratio: roundTo(mean(ratios), 6),
    min_delivery_ratio: roundTo(minOf(ratios, Infinity), 6),
    complete_messages: ratios.filter((r) => r === 1).length,
    dissemination: { ...dissemination(outcomes, 1), to_50: dissemination(outcomes, 0.5), to_99: dissemination(outcomes, 0.99) },
    hops: {
      count: hopTotal,
      mean: hopTotal ? roundTo(hopsList.reduce((n, [h, c]) => n + h * c, 0) / hopTotal, 3) : 0,
      max: hopsList.length ? hopsList.at(-1)![0] : 0,
      histogram: hopsList.map(([hops, count]) => ({ hops, count })),
    },
    per_hop_ms: msPerHop.length ? round(percentileOf(msPerHop.sort((a, b) => a - b), 50)) : null,
    amplification: counters.delivered - counters.originated > 0 ? roundTo(counters.copies_received / (counters.delivered - counters.originated), 3) : null,
    counters,
    ingest: ingest.summary,
    per_peer: everyone.map((peer): GossipPeer => {
      const rate = ingest.perPeer.get(peer);
      return {
        peer,
        received: received.get(peer) ?? 0,
        expected: expectedBy.get(peer) ?? 0,
        copies_received: stats.get(peer)?.copiesReceived ?? null,
        signature_checks: stats.get(peer)?.signatureChecks ?? null,
        copies_per_s: rate ? rate.copies : null,
        checks_per_s: rate ? rate.checks : null,
      };
    }),
    curve: curve(outcomes),
    worst: outcomes
      .filter((o) => o.missing.length > 0)
      .sort((a, b) => ratioOf(a) - ratioOf(b) || a.send.scheduledT - b.send.scheduledT)
      .slice(0, WORST)
      .map((o) => ({ id: o.send.id, from: o.send.from, scheduled_ms: round(o.send.scheduledT), ratio: roundTo(ratioOf(o), 6), missing: o.missing.slice(0, WORST) })),
  };
}

function ratioOf(o: MessageOutcome): number {
  return o.expected.length === 0 ? 1 : (o.expected.length - o.missing.length) / o.expected.length;
}

/** Time until `share` of a message's live peers have it (the k-th showing, k = ⌈share·live⌉), summarised over messages. */
function dissemination(outcomes: readonly MessageOutcome[], share: number): DisseminationSummary {
  const times: number[] = [];
  let incomplete = 0;
  for (const o of outcomes) {
    const k = Math.ceil(share * o.expected.length - 1e-9);
    if (k === 0) times.push(0);
    else if (o.times.length >= k) times.push(o.times[k - 1]!);
    else incomplete++;
  }
  times.sort((a, b) => a - b);
  return {
    count: times.length,
    incomplete,
    mean_ms: round(mean(times)),
    p50_ms: round(percentileOf(times, 50)),
    p99_ms: round(percentileOf(times, 99)),
    max_ms: round(maxOf(times)),
  };
}

/** The share of live peers that have a message at each time since its send: median, mean and worst over messages. */
function curve(outcomes: readonly MessageOutcome[]): GossipMetrics['curve'] {
  const withPeers = outcomes.filter((o) => o.expected.length > 0);
  if (withPeers.length === 0) return [];
  const end = Math.max(1, maxOf(withPeers.map((o) => o.times.at(-1) ?? 0)));
  const points: GossipMetrics['curve'] = [];
  for (let i = 0; i <= CURVE_POINTS; i++) {
    const t = (end * i) / CURVE_POINTS;
    const shares = withPeers.map((o) => countAtMost(o.times, t) / o.expected.length).sort((a, b) => a - b);
    points.push({ t_ms: round(t), p50: roundTo(percentileOf(shares, 50), 4), mean: roundTo(mean(shares), 4), min: roundTo(shares[0]!, 4) });
  }
  return points;
}

/** How many values of an ascending array are ≤ t. */
function countAtMost(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Each peer's last gstats event. */
function latestStats(events: readonly HistoryEvent[]): Map<string, GossipStatsEvent> {
  const stats = new Map<string, GossipStatsEvent>();
  for (const e of events) if (e.type === 'gstats') stats.set(e.peer, e);
  return stats;
}

function sumCounters(stats: Map<string, GossipStatsEvent>): GossipMetrics['counters'] {
  const c = { peers: stats.size, copies_received: 0, delivered: 0, originated: 0, duplicates: 0, signature_checks: 0, copies_sent: 0 };
  for (const s of stats.values()) {
    c.copies_received += s.copiesReceived;
    c.delivered += s.delivered;
    c.originated += s.originated;
    c.duplicates += s.duplicates;
    c.signature_checks += s.signatureChecks;
    c.copies_sent += s.copiesSent;
  }
  return c;
}

/**
 * Copies received and signatures checked per second of gossip activity, per peer. The
 * counters cover a peer's last life, so its window is that life ∩ [first scheduled send,
 * last showing anywhere], at least MIN_WINDOW_MS.
 */
function computeIngest(
  events: readonly HistoryEvent[],
  stats: Map<string, GossipStatsEvent>,
  lives: Lives,
  sends: Map<string, GossipSendEvent>,
): { summary: GossipMetrics['ingest']; perPeer: Map<string, { copies: number; checks: number }> } {
  const first = minOf([...sends.values()].map((s) => s.scheduledT), Infinity);
  const last = maxOf(events.flatMap((e) => (e.type === 'gdeliver' ? [e.t] : [])), first);
  const perPeer = new Map<string, { copies: number; checks: number }>();
  for (const s of stats.values()) {
    const from = Math.max(first, lives.lastReady(s.peer) ?? first);
    const to = Math.min(last, s.t);
    const seconds = Math.max(MIN_WINDOW_MS, to - from) / 1000;
    perPeer.set(s.peer, { copies: roundTo(s.copiesReceived / seconds, 2), checks: roundTo(s.signatureChecks / seconds, 2) });
  }
  const rates = [...perPeer.values()];
  const ceilingEvent = events.filter((e) => e.type === 'verify_ceiling').at(-1);
  const ceiling = ceilingEvent && ceilingEvent.perS > 0 ? Math.round(ceilingEvent.perS) : null;
  const checksMax = maxOf(rates.map((r) => r.checks));
  return {
    summary: {
      copies_per_s_mean: roundTo(mean(rates.map((r) => r.copies)), 2),
      copies_per_s_max: maxOf(rates.map((r) => r.copies)),
      checks_per_s_mean: roundTo(mean(rates.map((r) => r.checks)), 2),
      checks_per_s_max: checksMax,
      verify_ceiling_per_s: ceiling,
      ingest_vs_ceiling: ceiling === null ? null : roundTo(checksMax / ceiling, 5),
    },
    perPeer,
  };
}
