import type { Metrics } from './types.js';

/** The unit a metric is measured in; an SLO's threshold unit must fit it. */
export type MetricUnit = 'ms' | 'ratio' | 'count' | 'mb' | 'percent' | 'per_s' | 'number';

/** Every metric an SLO (or compare) may name, with its unit. */
export const METRIC_PATHS: Readonly<Record<string, MetricUnit>> = {
  'latency.count': 'count',
  'latency.min': 'ms',
  'latency.mean': 'ms',
  'latency.p50': 'ms',
  'latency.p90': 'ms',
  'latency.p99': 'ms',
  'latency.p99_9': 'ms',
  'latency.max': 'ms',
  'delivery.sent': 'count',
  'delivery.delivered': 'count',
  'delivery.lost': 'count',
  'delivery.duplicates': 'count',
  'delivery.unexpected': 'count',
  'delivery.acked': 'count',
  'delivery.ratio': 'ratio',
  'throughput.mean_delivered_per_s': 'per_s',
  'throughput.mean_sent_per_s': 'per_s',
  'discovery.converged_ms': 'ms',
  'discovery.p50_ms': 'ms',
  'discovery.p99_ms': 'ms',
  'discovery.pairs_discovered': 'count',
  'handshake.count': 'count',
  'handshake.sessions': 'count',
  'handshake.p50_ms': 'ms',
  'handshake.p99_ms': 'ms',
  'handshake.max_ms': 'ms',
  'handshake.mean_ms': 'ms',
  'login.count': 'count',
  'login.from_pool': 'count',
  'login.p50_ms': 'ms',
  'login.p99_ms': 'ms',
  'login.max_ms': 'ms',
  'login.mean_ms': 'ms',
  'login.from_pool_p50_ms': 'ms',
  'login.started_p50_ms': 'ms',
  'login.memory_per_user_mb': 'mb',
  'memory.max_rss_mb': 'mb',
  'memory.mean_rss_mb': 'mb',
  'cpu.mean_percent': 'percent',
  'cpu.max_percent': 'percent',
  'errors.count': 'count',
  // Group messages (only in runs that wrote some; see lab/metrics/README.md "Gossip").
  'gossip.messages': 'count',
  'gossip.delivery_ratio': 'ratio',
  'gossip.min_delivery_ratio': 'ratio',
  'gossip.missing': 'count',
  'gossip.dissemination.p50_ms': 'ms',
  'gossip.dissemination.p99_ms': 'ms',
  'gossip.dissemination.max_ms': 'ms',
  'gossip.dissemination.mean_ms': 'ms',
  'gossip.dissemination.incomplete': 'count',
  'gossip.dissemination.to_50.p50_ms': 'ms',
  'gossip.dissemination.to_50.p99_ms': 'ms',
  'gossip.dissemination.to_50.max_ms': 'ms',
  'gossip.dissemination.to_99.p50_ms': 'ms',
  'gossip.dissemination.to_99.p99_ms': 'ms',
  'gossip.dissemination.to_99.max_ms': 'ms',
  'gossip.amplification': 'number',
  'gossip.hops.mean': 'number',
  'gossip.hops.max': 'count',
  'gossip.ingest.copies_per_s_mean': 'per_s',
  'gossip.ingest.copies_per_s_max': 'per_s',
  'gossip.ingest.checks_per_s_mean': 'per_s',
  'gossip.ingest.checks_per_s_max': 'per_s',
  'gossip.ingest.verify_ceiling_per_s': 'per_s',
  'gossip.ingest.ingest_vs_ceiling': 'ratio',
  // The fleet (lab/metrics/fleet.ts).
  'fleet.boot_p50_ms': 'ms',
  'fleet.boot_p99_ms': 'ms',
  'fleet.boot_max_ms': 'ms',
  'fleet.slow_starts': 'count',
  'fleet.idle_cpu_percent': 'percent',
  'fleet.rss_mb_per_peer': 'mb',
  'fleet.sessions_per_peer': 'number',
  'fleet.announcements_per_s': 'per_s',
};

/** Short names people write (`delivery_ratio`), mapped to their metric path. */
export const METRIC_ALIASES: Readonly<Record<string, string>> = {
  delivery_ratio: 'delivery.ratio',
  'latency.p999': 'latency.p99_9',
  'latency.p99.9': 'latency.p99_9',
};

/** The canonical path for `name` (resolving aliases), or undefined if it is not a metric. */
export function canonicalMetric(name: string): string | undefined {
  const path = METRIC_ALIASES[name] ?? name;
  return path in METRIC_PATHS ? path : undefined;
}

/** Reads a metric by its path; null when the value is null (e.g. discovery never converged). */
export function metricValue(metrics: Metrics, path: string): number | null {
  let node: unknown = metrics;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return null;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'number' ? node : null;
}
