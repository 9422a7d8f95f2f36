import { describe, expect, it } from 'vitest';
import { computeMetrics } from './collector.js';
import { cpuPercentBetween } from './cpu.js';
import type { HistoryEvent } from './events.js';

describe('cpuPercentBetween', () => {
  it("measures CPU time against the peer's own elapsed time", () => {
    // 250 ms of CPU over 500 ms of the peer's uptime: half a core.
    expect(cpuPercentBetween({ cpuUs: 1_000_000, uptimeMs: 10_000 }, { cpuUs: 1_250_000, uptimeMs: 10_500 })).toBe(50);
    // Two cores' worth in one interval is what it is: the check below flags it.
    expect(cpuPercentBetween({ cpuUs: 0, uptimeMs: 0 }, { cpuUs: 1_000_000, uptimeMs: 500 })).toBe(200);
  });

  it('does not care when the lab received the replies', () => {
    // Replies that reached the lab 200 ms apart (a slow lab) but were read 500 ms apart on the
    // peer: timed by receipt this would be 125 %; on the peer's clock it is 50 %.
    const replies = [
      { receivedAtMs: 1_000, cpuUs: 2_000_000, uptimeMs: 4_000 },
      { receivedAtMs: 1_200, cpuUs: 2_250_000, uptimeMs: 4_500 },
    ];
    expect(cpuPercentBetween(replies[0]!, replies[1]!)).toBe(50);
  });

  it('gives no number when no time passed or the counters went back (a restart)', () => {
    expect(cpuPercentBetween({ cpuUs: 5, uptimeMs: 100 }, { cpuUs: 9, uptimeMs: 100 })).toBeUndefined();
    expect(cpuPercentBetween({ cpuUs: 5_000_000, uptimeMs: 60_000 }, { cpuUs: 300_000, uptimeMs: 800 })).toBeUndefined();
  });
});

describe('CPU metrics', () => {
  const sample = (t: number, peer: string, cpuPercent?: number): HistoryEvent => ({ t, type: 'sample', peer, rssBytes: 50 << 20, heapUsedBytes: 20 << 20, ...(cpuPercent === undefined ? {} : { cpuPercent }) });

  it('flags impossible values in the report, and keeps them in the numbers', () => {
    const events: HistoryEvent[] = [
      { t: 0, type: 'host', cores: 2 },
      // First samples carry no CPU value.
      sample(100, 'p0'), sample(100, 'p1'), sample(100, 'p2'),
      // Second 1: plausible (sum 150 % on 2 cores).
      sample(1_100, 'p0', 60), sample(1_100, 'p1', 50), sample(1_100, 'p2', 40),
      // Second 2: each peer under one core, but together 270 % on 2 cores.
      sample(2_100, 'p0', 90), sample(2_100, 'p1', 90), sample(2_100, 'p2', 90),
      // Second 3: one single-threaded peer at 300 %.
      sample(3_100, 'p0', 300), sample(3_100, 'p1', 10), sample(3_100, 'p2', 10),
    ];
    const { cpu } = computeMetrics(events);
    expect(cpu.cores).toBe(2);
    expect(cpu.implausible).toEqual([
      { t_ms: 2_000, peer: null, percent: 270, limit_percent: 200 },
      { t_ms: 3_000, peer: null, percent: 320, limit_percent: 200 },
      { t_ms: 3_100, peer: 'p0', percent: 300, limit_percent: 125 },
    ]);
    expect(cpu.implausible_count).toBe(3);
    expect(cpu.max_percent).toBe(300);
    expect(cpu.per_peer.find((p) => p.peer === 'p0')).toEqual({ peer: 'p0', mean_percent: 150, max_percent: 300 });
  });

  it('flags nothing in a plausible run, and skips the sum check when the history does not name the cores', () => {
    const calm: HistoryEvent[] = [{ t: 0, type: 'host', cores: 2 }, sample(1_000, 'p0', 95), sample(1_000, 'p1', 95)];
    expect(computeMetrics(calm).cpu).toMatchObject({ implausible: [], implausible_count: 0 });
    const noHost: HistoryEvent[] = [sample(1_000, 'p0', 100), sample(1_000, 'p1', 100), sample(1_000, 'p2', 100)];
    expect(computeMetrics(noHost).cpu).toMatchObject({ cores: null, implausible: [], implausible_count: 0 });
  });
});
