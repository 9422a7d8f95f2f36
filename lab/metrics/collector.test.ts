import { describe, expect, it } from 'vitest';
import { computeMetrics, MetricsCollector } from './collector.js';
import type { HistoryEvent } from './events.js';
import { syntheticRun } from './synthetic-run.js';

describe('computeMetrics on a synthetic run', () => {
  const events = syntheticRun();
  const m = computeMetrics(events);

  it('counts every send as delivered or lost, and duplicates apart', () => {
    expect(m.delivery.sent).toBe(200);
    expect(m.delivery.lost).toBe(2);
    expect(m.delivery.delivered + m.delivery.lost).toBe(m.delivery.sent);
    expect(m.delivery.duplicates).toBe(1);
    expect(m.delivery.unexpected).toBe(0);
    expect(m.delivery.acked).toBe(198);
    expect(m.delivery.ratio).toBeCloseTo(198 / 200, 10);
    expect(m.latency.count).toBe(198);
  });

  it('orders the latency percentiles', () => {
    const l = m.latency;
    expect(l.min).toBeGreaterThan(0);
    expect(l.min).toBeLessThanOrEqual(l.p50);
    expect(l.p50).toBeLessThanOrEqual(l.p90);
    expect(l.p90).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.p99_9);
    expect(l.p99_9).toBeLessThanOrEqual(l.max);
    // Messages to p3 while it was down wait for the restart: the tail is seconds long.
    expect(l.max).toBeGreaterThan(1000);
    expect(l.p50).toBeLessThan(15);
    expect(l.percentiles.map((p) => p.ms)).toEqual([...l.percentiles.map((p) => p.ms)].sort((a, b) => a - b));
  });

  it('gives the same numbers whatever order the events arrive in', () => {
    expect(computeMetrics([...events].reverse())).toEqual(m);
  });

  it('shows per-second throughput that adds up to the totals', () => {
    expect(m.throughput.series.reduce((s, b) => s + b.sent, 0)).toBe(200);
    expect(m.throughput.series.reduce((s, b) => s + b.delivered, 0)).toBe(198);
    expect(m.throughput.mean_delivered_per_s).toBeGreaterThan(15);
    expect(m.throughput.mean_delivered_per_s).toBeLessThan(45);
  });

  it('reports each labelled load step with its offered and delivered rate', () => {
    expect(m.per_step.map((s) => [s.label, s.rate_configured, s.sent])).toEqual([
      ['20/s', 20, 100],
      ['40/s', 40, 100],
    ]);
    const [slow, fast] = m.per_step as [(typeof m.per_step)[0], (typeof m.per_step)[0]];
    expect(slow.offered_per_s).toBeCloseTo(20, 0);
    expect(fast.offered_per_s).toBeCloseTo(40, 0);
    expect(fast.delivered_per_s).toBeGreaterThan(slow.delivered_per_s);
    expect(slow.latency.p50).toBeLessThanOrEqual(slow.latency.p99);
  });

  it('measures discovery per pair from the later ready, and converges', () => {
    expect(m.discovery.pairs_total).toBe(20);
    expect(m.discovery.pairs_discovered).toBe(20);
    expect(m.discovery.converged_ms).not.toBeNull();
    expect(m.discovery.converged_ms!).toBeGreaterThanOrEqual(100);
    expect(m.discovery.converged_ms!).toBeLessThanOrEqual(900);
    expect(m.discovery.p50_ms).toBeLessThanOrEqual(m.discovery.converged_ms!);
    expect(m.discovery.curve.at(-1)!.fraction).toBe(1);
    expect(m.discovery.curve[0]!.fraction).toBe(0);
  });

  it('times handshakes from the dialling side only', () => {
    expect(m.handshake.count).toBe(10);
    expect(m.handshake.sessions).toBe(10);
    expect(m.handshake.p50_ms).toBeGreaterThanOrEqual(4);
    expect(m.handshake.max_ms).toBeLessThanOrEqual(20);
  });

  it('tracks memory and CPU per peer, with p3 missing samples while down', () => {
    expect(m.memory.per_peer.map((p) => p.peer)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    const p3 = m.memory.per_peer[3]!;
    const p0 = m.memory.per_peer[0]!;
    expect(p3.series.length).toBeLessThan(p0.series.length);
    expect(m.memory.max_rss_mb).toBe(Math.max(...m.memory.per_peer.map((p) => p.max_rss_mb)));
    expect(m.memory.mean_rss_mb).toBeGreaterThan(45);
    expect(m.memory.mean_rss_mb).toBeLessThan(m.memory.max_rss_mb);
    expect(m.cpu.max_percent).toBeLessThanOrEqual(23);
    expect(m.cpu.mean_percent).toBeGreaterThan(3);
  });

  it('keeps the timeline of steps and faults, and the errors', () => {
    expect(m.timeline.faults).toEqual([
      { t_ms: 3500, fault: 'kill', peers: ['p3'], mechanism: 'SIGKILL' },
      expect.objectContaining({ fault: 'restart', peers: ['p3'] }),
    ]);
    expect(m.timeline.steps.map((s) => s.name)).toEqual(['start', 'wait_for', 'load', 'kill', 'load', 'wait_for']);
    expect(m.errors.count).toBe(1);
    expect(m.errors.messages[0]!.message).toBe('p3: outbox: retrying 4 messages after restart');
    expect(m.peers).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
  });
});

describe('computeMetrics details', () => {
  it('measures latency from scheduledT, not from when the send happened', () => {
    const m = computeMetrics([
      { t: 150, type: 'send', id: 'a', from: 'p0', to: 'p1', scheduledT: 100, size: 10 },
      { t: 160, type: 'deliver', id: 'a', from: 'p0', to: 'p1' },
    ]);
    expect(m.latency.p50).toBe(60);
    expect(m.latency.min).toBe(60);
  });

  it('keeps microsecond precision', () => {
    const m = computeMetrics([
      { t: 1, type: 'send', id: 'a', from: 'p0', to: 'p1', scheduledT: 1, size: 10 },
      { t: 1.25, type: 'deliver', id: 'a', from: 'p0', to: 'p1' },
    ]);
    expect(m.latency.p99).toBe(0.25);
  });

  it('matches a delivery seen before its send (the two come from different streams)', () => {
    const m = computeMetrics([
      { t: 5, type: 'deliver', id: 'a', from: 'p0', to: 'p1' },
      { t: 6, type: 'send', id: 'a', from: 'p0', to: 'p1', scheduledT: 2, size: 10 },
      { t: 7, type: 'deliver', id: 'zz', from: 'p0', to: 'p1' },
    ]);
    expect(m.delivery).toMatchObject({ sent: 1, delivered: 1, lost: 0, unexpected: 1, duplicates: 0 });
    expect(m.latency.max).toBe(3);
  });

  it('gives well-defined values with no events', () => {
    const m = new MetricsCollector().finish();
    expect(m.delivery).toEqual({ sent: 0, delivered: 0, lost: 0, duplicates: 0, unexpected: 0, acked: 0, ratio: 1 });
    expect(m.latency).toMatchObject({ count: 0, min: 0, mean: 0, p50: 0, p99: 0, p99_9: 0, max: 0, percentiles: [], over_time: [] });
    expect(m.discovery).toMatchObject({ converged_ms: 0, p50_ms: 0, pairs_total: 0, curve: [] });
    expect(m.handshake).toMatchObject({ count: 0, p99_ms: 0 });
    expect(m.memory).toEqual({ max_rss_mb: 0, mean_rss_mb: 0, per_peer: [] });
    expect(m.throughput).toEqual({ series: [], mean_delivered_per_s: 0, mean_sent_per_s: 0 });
    expect(m.per_step).toEqual([]);
  });

  it('reports discovery as not converged when two live peers never meet', () => {
    const m = computeMetrics(syntheticRun({ undiscoveredPair: true }));
    expect(m.discovery.converged_ms).toBeNull();
    expect(m.discovery.pairs_discovered).toBe(m.discovery.pairs_total - 1);
    expect(m.discovery.per_peer.find((p) => p.peer === 'p4')).toMatchObject({ converged_ms: null, seen: 3, expected: 4 });
  });

  it('does not blame a pair on discovery when one side is down at the end', () => {
    const events: HistoryEvent[] = [
      { t: 0, type: 'lifecycle', peer: 'p0', event: 'ready' },
      { t: 0, type: 'lifecycle', peer: 'p1', event: 'ready' },
      { t: 10, type: 'lifecycle', peer: 'p1', event: 'exited' },
    ];
    expect(computeMetrics(events).discovery).toMatchObject({ converged_ms: 0, pairs_total: 0 });
    expect(computeMetrics(events.slice(0, 2)).discovery).toMatchObject({ converged_ms: null, pairs_total: 2 });
  });

  it('collects in the collector exactly what computeMetrics computes', () => {
    const c = new MetricsCollector();
    const events = syntheticRun({ seed: 9 });
    for (const e of events) c.add(e);
    expect(c.history).toHaveLength(events.length);
    expect(c.finish()).toEqual(computeMetrics(events));
  });
});
