import type { MetricUnit } from '../metrics/metric-paths.js';
import type { Metrics } from '../metrics/types.js';

export type Direction = 'lower_is_better' | 'higher_is_better';

/** One compared metric and how much change counts as noise. */
export interface MetricRule {
  metric: string;
  unit: MetricUnit;
  direction: Direction;
  /** An absolute change at most this big is always "same" (in the metric's unit). */
  floor: number;
  /** When false only the floor applies (no relative band), e.g. for ratios near 1. */
  relative: boolean;
  /** Whether a "worse" verdict makes the comparison a regression. */
  gate: boolean;
  /** Why a rule never gates, said on its row. */
  shownOnly?: string;
  /** For a percentile: which one, and how many samples a run had behind it (see sample-size.ts). */
  quantile?: Quantile;
  read: (m: Metrics) => number | null;
}

/** A percentile of a run's samples: p (0.99 for p99), what the samples are, and their count in a run. */
export interface Quantile {
  p: number;
  of: string;
  samples: (m: Metrics) => number;
}

const latencyCount = (m: Metrics) => m.latency.count;
const disseminated = (m: Metrics) => m.gossip?.dissemination.count ?? 0;
const quantile = (p: number, of: string, samples: (m: Metrics) => number): { quantile: Quantile } => ({ quantile: { p, of, samples } });

const ms = (metric: string, read: (m: Metrics) => number | null, floor = 1, extra: Partial<MetricRule> = {}): MetricRule => ({
  metric, unit: 'ms', direction: 'lower_is_better', floor, relative: true, gate: extra.shownOnly === undefined, read, ...extra,
});

/**
 * What compare looks at. Floors: latency and handshake changes under 1 ms never count
 * (p99.9 jitters by milliseconds on a shared 2-core machine); discovery under 50 ms
 * (it moves in announce-interval steps); memory under 5 MB; CPU under 5 points; delivery
 * ratio moves by absolute amounts only (0.1 %), since a relative band around 1 would
 * hide a 10 % loss. latency.max and CPU are shown but never gate: one sample decides them.
 * A percentile gates only when every run had enough samples behind it (sample-size.ts).
 */
export const RULES: readonly MetricRule[] = [
  ms('latency.p50', (m) => m.latency.p50, 1, quantile(0.5, 'messages', latencyCount)),
  ms('latency.p90', (m) => m.latency.p90, 1, quantile(0.9, 'messages', latencyCount)),
  ms('latency.p99', (m) => m.latency.p99, 1, quantile(0.99, 'messages', latencyCount)),
  ms('latency.p99_9', (m) => m.latency.p99_9, 1, quantile(0.999, 'messages', latencyCount)),
  ms('latency.max', (m) => m.latency.max, 1, { shownOnly: 'one message decides it' }),
  { metric: 'delivery.ratio', unit: 'ratio', direction: 'higher_is_better', floor: 0.001, relative: false, gate: true, read: (m) => m.delivery.ratio },
  { metric: 'delivery.duplicates', unit: 'count', direction: 'lower_is_better', floor: 0, relative: true, gate: true, read: (m) => m.delivery.duplicates },
  { metric: 'throughput.mean_delivered_per_s', unit: 'per_s', direction: 'higher_is_better', floor: 1, relative: true, gate: true, read: (m) => m.throughput.mean_delivered_per_s },
  ms('discovery.converged_ms', (m) => m.discovery.converged_ms, 50),
  ms('discovery.p50_ms', (m) => m.discovery.p50_ms, 50, quantile(0.5, 'converged peers', (m) => m.discovery.per_peer.filter((p) => p.converged_ms !== null).length)),
  ms('handshake.p50_ms', (m) => m.handshake.p50_ms, 1, quantile(0.5, 'handshakes', (m) => m.handshake.count)),
  ms('handshake.p99_ms', (m) => m.handshake.p99_ms, 1, quantile(0.99, 'handshakes', (m) => m.handshake.count)),
  { metric: 'memory.max_rss_mb', unit: 'mb', direction: 'lower_is_better', floor: 5, relative: true, gate: true, read: (m) => m.memory.max_rss_mb },
  { metric: 'memory.mean_rss_mb', unit: 'mb', direction: 'lower_is_better', floor: 5, relative: true, gate: true, read: (m) => m.memory.mean_rss_mb },
  { metric: 'cpu.mean_percent', unit: 'percent', direction: 'lower_is_better', floor: 5, relative: true, gate: false, shownOnly: 'CPU samples are too coarse to gate', read: (m) => m.cpu.mean_percent },
];

/** Rules for each load step both runs have (matched by label): the throughput ramp, step by step. */
export function perStepRules(base: Metrics, next: Metrics): MetricRule[] {
  const labels = base.per_step.map((s) => s.label).filter((l) => next.per_step.some((s) => s.label === l));
  const step = (m: Metrics, label: string) => m.per_step.find((s) => s.label === label);
  return labels.flatMap((label) => [
    { metric: `per_step[${label}].delivered_per_s`, unit: 'per_s', direction: 'higher_is_better', floor: 1, relative: true, gate: true, read: (m: Metrics) => step(m, label)?.delivered_per_s ?? null } satisfies MetricRule,
    ms(`per_step[${label}].latency_p99`, (m) => step(m, label)?.latency.p99 ?? null, 1, quantile(0.99, 'messages in the step', (m) => step(m, label)?.latency.count ?? 0)),
  ]);
}

/**
 * Rules for group messages, when either run wrote some. Delivery ratios move by absolute
 * amounts only (like delivery.ratio); dissemination p99 gates with a 5 ms floor, max only
 * shows (one message decides it); amplification and hops are lower-is-better with small
 * floors (random neighbour picks move them a little); the busiest peer's signature checks
 * per second gate as the ingest cost.
 */
export function gossipRules(base: Metrics, next: Metrics): MetricRule[] {
  if (!base.gossip && !next.gossip) return [];
  return [
    { metric: 'gossip.delivery_ratio', unit: 'ratio', direction: 'higher_is_better', floor: 0.001, relative: false, gate: true, read: (m) => m.gossip?.delivery_ratio ?? null },
    { metric: 'gossip.min_delivery_ratio', unit: 'ratio', direction: 'higher_is_better', floor: 0.001, relative: false, gate: true, read: (m) => m.gossip?.min_delivery_ratio ?? null },
    ms('gossip.dissemination.to_50.p50_ms', (m) => m.gossip?.dissemination.to_50.p50_ms ?? null, 5, quantile(0.5, 'group messages', (m) => m.gossip?.dissemination.to_50.count ?? 0)),
    ms('gossip.dissemination.p50_ms', (m) => m.gossip?.dissemination.p50_ms ?? null, 5, quantile(0.5, 'group messages', disseminated)),
    ms('gossip.dissemination.p99_ms', (m) => m.gossip?.dissemination.p99_ms ?? null, 5, quantile(0.99, 'group messages', disseminated)),
    ms('gossip.dissemination.max_ms', (m) => m.gossip?.dissemination.max_ms ?? null, 5, { shownOnly: 'one message decides it' }),
    { metric: 'gossip.amplification', unit: 'number', direction: 'lower_is_better', floor: 0.1, relative: true, gate: true, read: (m) => m.gossip?.amplification ?? null },
    { metric: 'gossip.hops.mean', unit: 'number', direction: 'lower_is_better', floor: 0.1, relative: true, gate: false, shownOnly: 'random neighbour picks move it', read: (m) => m.gossip?.hops.mean ?? null },
    { metric: 'gossip.ingest.checks_per_s_max', unit: 'per_s', direction: 'lower_is_better', floor: 5, relative: true, gate: true, read: (m) => m.gossip?.ingest.checks_per_s_max ?? null },
    { metric: 'gossip.ingest.copies_per_s_max', unit: 'per_s', direction: 'lower_is_better', floor: 5, relative: true, gate: false, shownOnly: 'the signature checks gate the ingest cost', read: (m) => m.gossip?.ingest.copies_per_s_max ?? null },
  ];
}
