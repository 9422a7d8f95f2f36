import { implausibleCpu } from './cpu.js';
import type { HistoryEvent, SampleEvent } from './events.js';
import { byPeerIndex, maxOf, mean, roundTo } from './stats.js';
import type { CpuMetrics, MemoryMetrics } from './types.js';

const MIB = 1024 * 1024;
const MAX_SERIES_POINTS = 600;

/** Per-peer RSS/heap series and maxima, and CPU means, from `sample` events. */
export function computeResources(events: readonly HistoryEvent[]): { memory: MemoryMetrics; cpu: CpuMetrics } {
  const byPeer = samplesByPeer(events);
  const peers = [...byPeer.keys()].sort(byPeerIndex);
  const all = peers.flatMap((p) => byPeer.get(p)!);
  const memory: MemoryMetrics = {
    max_rss_mb: mb(maxOf(all.map((s) => s.rssBytes))),
    mean_rss_mb: mb(mean(all.map((s) => s.rssBytes))),
    per_peer: peers.map((peer) => {
      const samples = byPeer.get(peer)!;
      return {
        peer,
        max_rss_mb: mb(maxOf(samples.map((s) => s.rssBytes))),
        mean_rss_mb: mb(mean(samples.map((s) => s.rssBytes))),
        max_heap_mb: mb(maxOf(samples.map((s) => s.heapUsedBytes))),
        series: thin(samples).map((s) => ({ t_ms: s.t, rss_mb: mb(s.rssBytes), heap_mb: mb(s.heapUsedBytes) })),
      };
    }),
  };
  // A peer's first sample has no CPU value: there is no earlier reading to measure from.
  const cpuOf = (samples: SampleEvent[]) => samples.flatMap((s) => (s.cpuPercent === undefined ? [] : [s.cpuPercent]));
  const check = implausibleCpu(events);
  const cpu: CpuMetrics = {
    mean_percent: roundTo(mean(cpuOf(all)), 1),
    max_percent: roundTo(maxOf(cpuOf(all)), 1),
    per_peer: peers.map((peer) => {
      const values = cpuOf(byPeer.get(peer)!);
      return { peer, mean_percent: roundTo(mean(values), 1), max_percent: roundTo(maxOf(values), 1) };
    }),
    cores: check.cores,
    implausible: check.flags,
    implausible_count: check.count,
  };
  return { memory, cpu };
}

/** Every peer's `sample` events, in order. */
export function samplesByPeer(events: readonly HistoryEvent[]): Map<string, SampleEvent[]> {
  const byPeer = new Map<string, SampleEvent[]>();
  for (const e of events) {
    if (e.type !== 'sample') continue;
    let list = byPeer.get(e.peer);
    if (!list) byPeer.set(e.peer, (list = []));
    list.push(e);
  }
  return byPeer;
}

/** Keeps long series chartable: groups samples into buckets and keeps each bucket's highest RSS. */
function thin(samples: SampleEvent[]): SampleEvent[] {
  if (samples.length <= MAX_SERIES_POINTS) return samples;
  const size = Math.ceil(samples.length / MAX_SERIES_POINTS);
  const out: SampleEvent[] = [];
  for (let i = 0; i < samples.length; i += size) {
    out.push(samples.slice(i, i + size).reduce((a, b) => (b.rssBytes > a.rssBytes ? b : a)));
  }
  return out;
}

function mb(bytes: number): number {
  return roundTo(bytes / MIB, 2);
}
