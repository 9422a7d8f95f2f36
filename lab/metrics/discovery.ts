import type { HistoryEvent } from './events.js';
import { round } from './histogram.js';
import { byPeerIndex, maxOf, percentileOf } from './stats.js';
import type { DiscoveryMetrics } from './types.js';

const MAX_CURVE_POINTS = 500;

/**
 * Discovery convergence, pair by pair. For each ordered pair (peer, other) the latency is
 * the first time `peer` saw `other` (peer_up) minus the later of the two peers' `ready`
 * (a late joiner is not blamed on the peers that were there first). A pair never
 * discovered counts against convergence unless one side was down at the end of the run.
 * A peer's converged_ms is its slowest pair; the run's is the slowest peer.
 */
export function computeDiscovery(events: readonly HistoryEvent[]): DiscoveryMetrics {
  const ready = new Map<string, number>();
  const started = new Map<string, number>();
  const downAtEnd = new Map<string, boolean>();
  // peer → other → t; nested rather than "peer\0other" keys: a million pairs at 1,000 peers.
  const firstSeen = new Map<string, Map<string, number>>();
  const mentioned = new Set<string>();

  for (const e of events) {
    if (e.type === 'lifecycle') {
      if (e.event === 'ready' && !ready.has(e.peer)) ready.set(e.peer, e.t);
      if (e.event === 'started' && !started.has(e.peer)) started.set(e.peer, e.t);
      downAtEnd.set(e.peer, e.event === 'exited');
    } else if (e.type === 'peer_up') {
      mentioned.add(e.peer).add(e.other);
      let seenBy = firstSeen.get(e.peer);
      if (!seenBy) firstSeen.set(e.peer, (seenBy = new Map()));
      if (!seenBy.has(e.other)) seenBy.set(e.other, e.t);
    }
  }

  // Peers the lab started; with no lifecycle events (a bare event log), whoever was seen.
  const peers = [...(ready.size || started.size ? new Set([...ready.keys(), ...started.keys()]) : mentioned)].sort(byPeerIndex);
  const readyAt = (p: string) => ready.get(p) ?? started.get(p) ?? 0;

  const perPeer: DiscoveryMetrics['per_peer'] = [];
  const discoveredTimes: number[] = [];
  let pairsTotal = 0;
  for (const p of peers) {
    let seen = 0;
    let expected = 0;
    let slowest = 0;
    const seenBy = firstSeen.get(p);
    for (const q of peers) {
      if (q === p) continue;
      const t = seenBy?.get(q);
      if (t === undefined) {
        if (!downAtEnd.get(p) && !downAtEnd.get(q)) expected++;
        continue;
      }
      expected++;
      seen++;
      discoveredTimes.push(t);
      slowest = Math.max(slowest, t - Math.max(readyAt(p), readyAt(q)));
    }
    pairsTotal += expected;
    perPeer.push({ peer: p, ready_ms: readyAt(p), converged_ms: seen === expected ? round(slowest) : null, seen, expected });
  }

  const converged = perPeer.flatMap((x) => (x.converged_ms === null ? [] : [x.converged_ms])).sort((a, b) => a - b);
  const allConverged = converged.length === perPeer.length;
  return {
    converged_ms: allConverged ? (converged.length ? converged[converged.length - 1]! : 0) : null,
    p50_ms: round(percentileOf(converged, 50)),
    p99_ms: round(percentileOf(converged, 99)),
    pairs_total: pairsTotal,
    pairs_discovered: discoveredTimes.length,
    per_peer: perPeer,
    curve: curve(discoveredTimes, pairsTotal, peers.length ? -maxOf(peers.map((p) => -readyAt(p))) : 0),
  };
}

/** Fraction of pairs discovered over time, thinned to at most MAX_CURVE_POINTS points. */
function curve(times: number[], total: number, start: number): DiscoveryMetrics['curve'] {
  if (total === 0) return [];
  times.sort((a, b) => a - b);
  const points = [{ t_ms: start, fraction: 0 }];
  const step = Math.max(1, Math.ceil(times.length / MAX_CURVE_POINTS));
  times.forEach((t, i) => {
    if ((i + 1) % step === 0 || i === times.length - 1) points.push({ t_ms: t, fraction: round((i + 1) / total) });
  });
  return points;
}
