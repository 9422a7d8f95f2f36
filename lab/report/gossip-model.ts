/**
 * The epidemic model of a gossip run, for report.json: the push-gossip model
 * (lab/metrics/epidemic-model.ts) for the fanout and TTL the peers ran with and the run's
 * peer count, placed on the run's time axis with its measured delay per hop.
 */
import { modelOnTime, modelTimeTo, pushGossipModel } from '../metrics/epidemic-model.js';
import { formatMetric } from '../metrics/format.js';
import type { DisseminationSummary, GossipMetrics } from '../metrics/gossip-types.js';
import { round } from '../metrics/histogram.js';
import { roundTo } from '../metrics/stats.js';
import type { SettingInForce } from '../runtimes/settings-in-force.js';
import type { GossipModelReport } from './types.js';

/** How `per_hop_ms` was measured (see lab/metrics/README.md, "Gossip"). */
export const PER_HOP_BASIS = 'median over first showings at non-author peers of (ms since the scheduled send ÷ hops)';

/** The model for a run's gossip, or undefined when there is nothing to model (fewer than two peers, or settings unknown). */
export function gossipModel(settings: Readonly<Record<string, SettingInForce>>, gossip: GossipMetrics): GossipModelReport | undefined {
  const fanout = settings['gossip.fanout']?.value;
  const ttl = settings['gossip.ttl']?.value;
  const peers = gossip.per_peer.length;
  if (typeof fanout !== 'number' || typeof ttl !== 'number' || peers < 2) return undefined;
  const model = pushGossipModel({ peers, fanout, ttl });
  // Reports written before per_hop_ms existed have none.
  const perHop = gossip.per_hop_ms ?? null;
  const timed = perHop === null ? null : modelOnTime(model, perHop);
  const at = (share: number) => {
    const t = timed === null ? null : modelTimeTo(timed, share);
    return t === null ? null : round(t);
  };
  return {
    model: 'push gossip, mean field',
    peers,
    fanout,
    ttl,
    anti_entropy_modelled: false,
    per_hop_ms: perHop,
    per_hop_basis: PER_HOP_BASIS,
    reach: roundTo(model.reach, 6),
    amplification: roundTo(model.amplification, 3),
    hops_mean: roundTo(model.hopsMean, 3),
    to_50_ms: at(0.5),
    to_99_ms: at(0.99),
    points: model.rounds.map((r, i) => ({ round: r.round, t_ms: timed === null ? null : round(timed[i]!.t_ms), share: roundTo(r.share, 6), copies: roundTo(r.copies, 3) })),
  };
}

/** How charts and tables name the model: `push-gossip model (f=4, ttl=8, N=20), anti-entropy not modelled`. */
export function gossipModelLabel(m: Pick<GossipModelReport, 'fanout' | 'ttl' | 'peers'>): string {
  return `push-gossip model (f=${m.fanout}, ttl=${m.ttl}, N=${m.peers}), anti-entropy not modelled`;
}

/** The model against the run, as report.md and report.html show it: one row per figure, model then measured. */
export function modelVersusMeasured(m: GossipModelReport, g: GossipMetrics): Array<{ figure: string; model: string; measured: string }> {
  const time = (ms: number | null) => (ms === null ? (m.per_hop_ms === null ? 'n/a (no delay per hop measured)' : `never (push alone reaches ${formatMetric(m.reach, 'ratio')})`) : formatMetric(ms, 'ms'));
  const measured = (s: DisseminationSummary) => (s.count === 0 ? 'never' : formatMetric(s.p50_ms, 'ms'));
  return [
    { figure: 'until 50 % have it (measured: median message)', model: time(m.to_50_ms), measured: measured(g.dissemination.to_50) },
    { figure: 'until 99 % have it (measured: median message)', model: time(m.to_99_ms), measured: measured(g.dissemination.to_99) },
    { figure: 'amplification (copies received per message delivered)', model: `${formatMetric(m.amplification, 'number')}×`, measured: g.amplification === null ? 'n/a' : `${formatMetric(g.amplification, 'number')}×` },
    { figure: 'hops of the first copy, mean', model: formatMetric(m.hops_mean, 'number'), measured: formatMetric(g.hops.mean, 'number') },
    { figure: 'share of live peers reached (measured: push and anti-entropy)', model: formatMetric(m.reach, 'ratio'), measured: formatMetric(g.delivery_ratio, 'ratio') },
  ];
}

/** Where the model's rounds sit in time, in words. */
export function perHopText(m: GossipModelReport): string {
  return m.per_hop_ms === null
    ? 'no delay per hop was measured, so the model has no time axis'
    : `round r drawn at r × ${formatMetric(m.per_hop_ms, 'ms')}, the run's ${m.per_hop_basis}`;
}
