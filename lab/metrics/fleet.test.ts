/**
 * Fleet metrics from a hand-made history: boot times and which starts were slow, idle CPU
 * only from steps labelled idle, announcements per second on the peer's own clock across
 * a restart, and sessions at the last sample.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from './events.js';
import { computeFleet } from './fleet.js';

const MB = 1024 * 1024;

function ready(t: number, peer: string, bootMs: number): HistoryEvent {
  return { t, type: 'lifecycle', peer, event: 'ready', detail: { id: `${peer}-id`, bootMs, slowMs: 10_000, peersPerProcess: 4 } };
}

function sample(t: number, peer: string, cpuPercent: number, announcementsReceived: number, uptimeMs: number, sessionsOpen: number): HistoryEvent {
  return { t, type: 'sample', peer, rssBytes: 3 * MB, heapUsedBytes: MB, cpuPercent, announcementsReceived, uptimeMs, sessionsOpen };
}

const events: HistoryEvent[] = [
  ready(1000, 'p0', 800),
  ready(1500, 'p1', 12_500),
  { t: 2000, type: 'step', index: 2, name: 'sleep', phase: 'begin', label: 'idle' },
  sample(2500, 'p0', 0.2, 100, 2000, 3),
  sample(3000, 'p0', 0.4, 200, 3000, 3),
  sample(3000, 'p1', 1.0, 50, 1000, 2),
  { t: 4000, type: 'step', index: 2, name: 'sleep', phase: 'end', label: 'idle' },
  // Under load: not idle.
  sample(5000, 'p0', 50, 300, 5000, 8),
  // p1 restarted: its counter and uptime start again; only the samples since count.
  sample(6000, 'p1', 40, 10, 500, 1),
  sample(8000, 'p1', 40, 70, 2500, 4),
];

describe('computeFleet', () => {
  const fleet = computeFleet(events)!;

  it('gives boot percentiles and names the slow start, with its threshold', () => {
    expect(fleet.peers_per_process).toBe(4);
    expect(fleet.boot_max_ms).toBe(12_500);
    expect(fleet.slow_starts).toBe(1);
    expect(fleet.slow).toEqual([{ peer: 'p1', boot_ms: 12_500, slow_ms: 10_000 }]);
  });

  it('takes the announcement rate from the longest life: a restart just before the end has heard nobody yet', () => {
    const late = computeFleet([
      ready(1000, 'p0', 800),
      sample(2000, 'p0', 1, 0, 1000, 2),
      sample(6000, 'p0', 1, 20, 5000, 2),
      sample(7000, 'p0', 1, 0, 100, 0),
      sample(7500, 'p0', 1, 0, 600, 0),
    ])!;
    expect(late.per_peer[0]!.announcements_per_s).toBe(5);
  });

  it('takes idle CPU from idle steps only, and rates from the longest run of each peer', () => {
    const [p0, p1] = fleet.per_peer;
    expect(p0).toMatchObject({ peer: 'p0', idle_cpu_percent: 0.3, sessions_open: 8, announcements_per_s: 66.67, mean_rss_mb: 3 });
    expect(p1).toMatchObject({ peer: 'p1', idle_cpu_percent: 1, sessions_open: 4, announcements_per_s: 30 });
    expect(fleet.idle_cpu_percent).toBe(0.65);
    expect(fleet.sessions_per_peer).toBe(6);
  });

  it('is absent from a history without boot times', () => {
    expect(computeFleet(events.filter((e) => e.type !== 'lifecycle'))).toBeUndefined();
  });
});
