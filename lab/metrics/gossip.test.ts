import { describe, expect, it } from 'vitest';
import { computeMetrics } from './collector.js';
import type { HistoryEvent } from './events.js';
import { metricValue } from './metric-paths.js';
import { syntheticGossipRun } from './gossip-synthetic-run.js';
import { syntheticRun } from './synthetic-run.js';
import { measureVerifyCeiling } from './gossip-verify-ceiling.js';

describe('gossip checkers on a synthetic run', () => {
  it('are absent when the run wrote no group message', () => {
    expect(computeMetrics(syntheticRun()).gossip).toBeUndefined();
    expect(metricValue(computeMetrics(syntheticRun()), 'gossip.delivery_ratio')).toBeNull();
  });

  it('count every live peer as having every message, with hop counts from 1', () => {
    const g = computeMetrics(syntheticGossipRun({ peers: 8, messages: 30 })).gossip!;
    expect(g.messages).toBe(30);
    expect(g.authors).toEqual(['p0', 'p1', 'p2']);
    expect(g.expected).toBe(30 * 7);
    expect(g.deliveries).toBe(30 * 7);
    expect(g.delivery_ratio).toBe(1);
    expect(g.min_delivery_ratio).toBe(1);
    expect(g.complete_messages).toBe(30);
    expect(g.hops.histogram.map((h) => h.hops)).toEqual([1, 2, 3]);
    expect(g.hops.count).toBe(30 * 7);
    expect(g.hops.max).toBe(3);
    const d = g.dissemination;
    expect(d.incomplete).toBe(0);
    expect(d.to_50.p50_ms).toBeLessThanOrEqual(d.to_99.p50_ms);
    expect(d.to_99.p50_ms).toBeLessThanOrEqual(d.p50_ms);
    expect(d.p50_ms).toBeLessThanOrEqual(d.p99_ms);
    expect(d.p99_ms).toBeLessThanOrEqual(d.max_ms);
    expect(d.max_ms).toBeLessThan(14);
    expect(d.to_50.p50_ms).toBeGreaterThanOrEqual(2);
  });

  it('draws a dissemination curve that rises from 0 to every peer', () => {
    const g = computeMetrics(syntheticGossipRun()).gossip!;
    expect(g.curve[0]).toMatchObject({ t_ms: 0, min: 0 });
    expect(g.curve.at(-1)).toMatchObject({ p50: 1, mean: 1, min: 1 });
    for (const [a, b] of g.curve.slice(1).map((p, i) => [g.curve[i]!, p] as const)) {
      expect(b.min).toBeGreaterThanOrEqual(a.min);
      expect(b.p50).toBeGreaterThanOrEqual(a.p50);
      expect(b.min).toBeLessThanOrEqual(b.p50);
    }
  });

  it('expects a restarted peer to catch up, and leaves out a peer that died mid-spread', () => {
    const events = syntheticGossipRun({ peers: 8, messages: 30, churnPeer: 'p5', deadPeer: 'p6' });
    const g = computeMetrics(events).gossip!;
    // p5 was down for a third of the messages but up at the end: it had to catch up, and did.
    expect(g.per_peer.find((p) => p.peer === 'p5')).toMatchObject({ received: 30, expected: 30 });
    // p6 died after 15 messages: it is live only for those it had (it was up throughout their spread).
    const p6 = g.per_peer.find((p) => p.peer === 'p6')!;
    expect(p6.expected).toBe(p6.received);
    expect(p6.received).toBeGreaterThanOrEqual(14);
    expect(p6.received).toBeLessThan(30);
    expect(p6.copies_received).toBeNull();
    expect(g.delivery_ratio).toBe(1);
    // The catch-up shows in the tail: seconds, against milliseconds for the rest.
    expect(g.dissemination.max_ms).toBeGreaterThan(1000);
    expect(g.dissemination.to_50.max_ms).toBeLessThan(14);
  });

  it('counts a live peer that never got a message against that message', () => {
    const g = computeMetrics(syntheticGossipRun({ peers: 8, messages: 30, missed: [[4, 'p7'], [4, 'p3'], [9, 'p7']] })).gossip!;
    expect(g.missing).toBe(3);
    expect(g.min_delivery_ratio).toBeCloseTo(5 / 7, 6);
    expect(g.delivery_ratio).toBeCloseTo((28 + 5 / 7 + 6 / 7) / 30, 6);
    expect(g.complete_messages).toBe(28);
    expect(g.dissemination.incomplete).toBe(2);
    expect(g.dissemination.to_50.incomplete).toBe(0);
    expect(g.worst.map((w) => [w.id, w.missing])).toEqual([['g4', ['p3', 'p7']], ['g9', ['p7']]]);
    expect(g.curve.at(-1)!.min).toBeCloseTo(5 / 7, 3);
  });

  it('computes amplification and ingest from the counters, against the verify ceiling', () => {
    const m = computeMetrics(syntheticGossipRun({ peers: 8, messages: 30 }));
    const g = m.gossip!;
    // Every peer counted 3 copies per message it stored from others.
    expect(g.amplification).toBe(3);
    expect(g.counters.peers).toBe(8);
    expect(g.counters.originated).toBe(30);
    expect(g.ingest.verify_ceiling_per_s).toBe(5000);
    expect(g.ingest.checks_per_s_max).toBeGreaterThan(0);
    expect(g.ingest.checks_per_s_mean).toBeLessThanOrEqual(g.ingest.checks_per_s_max);
    expect(g.ingest.copies_per_s_max).toBeGreaterThanOrEqual(g.ingest.checks_per_s_max);
    expect(g.ingest.ingest_vs_ceiling).toBeCloseTo(g.ingest.checks_per_s_max / 5000, 5);
    expect(metricValue(m, 'gossip.amplification')).toBe(3);
    expect(metricValue(m, 'gossip.dissemination.to_99.p99_ms')).toBe(g.dissemination.to_99.p99_ms);
  });

  it('measures the delay per hop: the median over first showings of time since the scheduled send ÷ hops', () => {
    const events: HistoryEvent[] = [
      ...['p0', 'p1', 'p2', 'p3'].map((peer): HistoryEvent => ({ t: 0, type: 'lifecycle', peer, event: 'ready' })),
      { t: 100.5, type: 'gsend', id: 'm', from: 'p0', room: 'everyone', scheduledT: 100, size: 10 },
      { t: 100.2, type: 'gdeliver', id: 'm', peer: 'p0', hops: 0 },
      // 10 ms for one hop, 20 ms for two (10 per hop), 60 ms for three (20 per hop); a later duplicate at p1 does not count.
      { t: 110, type: 'gdeliver', id: 'm', peer: 'p1', hops: 1 },
      { t: 120, type: 'gdeliver', id: 'm', peer: 'p2', hops: 2 },
      { t: 160, type: 'gdeliver', id: 'm', peer: 'p3', hops: 3 },
      { t: 900, type: 'gdeliver', id: 'm', peer: 'p1', hops: 5 },
    ];
    expect(computeMetrics(events).gossip!.per_hop_ms).toBe(10);
    expect(computeMetrics(events.filter((e) => e.type !== 'gdeliver' || e.hops === 0)).gossip!.per_hop_ms).toBeNull();
    const synthetic = computeMetrics(syntheticGossipRun()).gossip!;
    // The synthetic run takes about 3 ms a hop (2 ms for the first, 3 for each further, plus up to 2 ms).
    expect(synthetic.per_hop_ms).toBeGreaterThan(2.5);
    expect(synthetic.per_hop_ms).toBeLessThan(4);
  });

  it('gives the same numbers whatever order the events arrive in', () => {
    const events = syntheticGossipRun({ churnPeer: 'p5' });
    expect(computeMetrics([...events].reverse()).gossip).toEqual(computeMetrics(events).gossip);
  });
});

describe('measureVerifyCeiling', () => {
  it('verifies Ed25519 signatures in a loop and reports a rate', () => {
    const { perS, sampleMs } = measureVerifyCeiling(50);
    expect(sampleMs).toBeGreaterThanOrEqual(50);
    expect(perS).toBeGreaterThan(0);
  });
});
