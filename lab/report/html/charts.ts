import type { Metrics } from '../../metrics/types.js';
import { lineChart, type ChartMarker } from './line-chart.js';

const MAX_PERCENTILE_X = 5; // 99.999 %

/** Step and fault markers for charts whose x axis is run time in seconds. */
export function timeMarkers(metrics: Metrics): ChartMarker[] {
  const steps: ChartMarker[] = metrics.timeline.steps
    .filter((s) => s.name !== 'wait_for' || s.failed)
    .map((s) => ({ x: s.begin_ms / 1000, label: s.label ? `${s.name}: ${s.label}` : s.name, kind: s.failed ? 'fault' : 'step' }));
  const faults: ChartMarker[] = metrics.timeline.faults.map((f) => ({ x: f.t_ms / 1000, label: `${f.fault} ${f.peers.join(',')}`, kind: 'fault' }));
  return [...steps, ...faults];
}

/** Latency percentile curve with a log-scaled percentile axis (the classic HDR plot). */
export function latencyDistributionChart(m: Metrics): string {
  const pts = m.latency.percentiles
    .filter((p) => p.percentile < 100)
    .map((p) => [percentileX(p.percentile), p.ms] as const);
  // The 100th percentile sits where the data runs out: one sample in `count`.
  const topX = Math.min(MAX_PERCENTILE_X, Math.max(pts.at(-1)?.[0] ?? 0, Math.log10(Math.max(1, m.latency.count))));
  if (m.latency.count) pts.push([topX, m.latency.max]);
  const maxX = Math.max(2, Math.ceil(topX));
  const labels = ['0%', '90%', '99%', '99.9%', '99.99%', '99.999%'];
  return lineChart({
    name: 'latency-distribution',
    title: 'Delivery latency by percentile',
    x: { label: 'percentile (log scale)', min: 0, max: maxX, ticks: labels.slice(0, maxX + 1).map((label, value) => ({ value, label })) },
    y: { label: spread(m) ? 'latency (ms, log scale)' : 'latency (ms)', log: spread(m) },
    series: [{ name: 'latency', points: pts, area: !spread(m) }],
    width: 500,
    height: 320,
    emptyText: 'No messages were delivered',
  });
}

/** p50 / p99 / max latency per second of scheduled send time. */
export function latencyOverTimeChart(m: Metrics): string {
  const over = m.latency.over_time;
  return lineChart({
    name: 'latency-over-time',
    title: 'Delivery latency over time',
    x: { label: 'run time (s), by scheduled send time', min: 0, max: seconds(m) },
    y: { label: spread(m) ? 'latency (ms, log scale)' : 'latency (ms)', log: spread(m) },
    // max first so p99 draws over it: in a second with under 100 messages the two coincide.
    series: [
      { name: 'max', points: over.map((b) => [b.t_s + 0.5, b.max]), dashed: true, colour: '#e15759' },
      { name: 'p99', points: over.map((b) => [b.t_s + 0.5, b.p99]), colour: '#f28e2b' },
      { name: 'p50', points: over.map((b) => [b.t_s + 0.5, b.p50]), colour: '#4e79a7' },
    ],
    markers: timeMarkers(m),
    emptyText: 'No messages were delivered',
  });
}

/** Messages sent and delivered per second. */
export function throughputChart(m: Metrics): string {
  const s = m.throughput.series;
  return lineChart({
    name: 'throughput',
    title: 'Throughput over time',
    x: { label: 'run time (s)', min: 0, max: seconds(m) },
    y: { label: 'messages / s' },
    series: [
      { name: 'sent / s', points: s.map((b) => [b.t_s, b.sent]), step: true },
      { name: 'delivered / s', points: s.map((b) => [b.t_s, b.delivered]), step: true },
    ],
    markers: timeMarkers(m),
    emptyText: 'No messages were sent',
  });
}

/** RSS of each peer over time. */
export function memoryChart(m: Metrics): string {
  return lineChart({
    name: 'memory',
    title: 'Resident memory (RSS) per peer',
    x: { label: 'run time (s)', min: 0, max: seconds(m) },
    y: { label: 'RSS (MB)' },
    series: m.memory.per_peer.map((p) => ({ name: p.peer, points: p.series.map((s) => [s.t_ms / 1000, s.rss_mb]) })),
    markers: m.timeline.faults.map((f) => ({ x: f.t_ms / 1000, label: `${f.fault} ${f.peers.join(',')}`, kind: 'fault' })),
    emptyText: 'No resource samples were taken',
  });
}

/** Fraction of (peer, other) pairs that have discovered each other over time. */
export function discoveryChart(m: Metrics): string {
  const c = m.discovery.curve;
  const end = c.length ? c[c.length - 1]!.t_ms / 1000 : 1;
  return lineChart({
    name: 'discovery',
    title: 'Discovery convergence',
    x: { label: 'run time (s)', min: c.length ? c[0]!.t_ms / 1000 : 0, max: end },
    y: { label: 'pairs discovered (%)', min: 0, max: 100 },
    series: [{ name: 'pairs discovered', points: c.map((p) => [p.t_ms / 1000, p.fraction * 100]), step: true, area: true }],
    width: 500,
    height: 320,
    emptyText: 'No discovery in this run',
  });
}

/** x position of a percentile on the log axis: 90 → 1, 99 → 2, 99.9 → 3. */
function percentileX(p: number): number {
  return Math.min(MAX_PERCENTILE_X, -Math.log10(1 - p / 100));
}

/** Latency spanning more than ~2 decades reads better on a log axis: the median stays visible under a long tail. */
function spread(m: Metrics): boolean {
  return m.latency.count > 0 && m.latency.max > 50 * Math.max(m.latency.p50, 0.01);
}

function seconds(m: Metrics): number {
  return Math.max(1, m.duration_ms / 1000);
}
