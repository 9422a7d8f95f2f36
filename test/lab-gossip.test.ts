/**
 * `peerlab lab run` of the gossip scenarios end to end, with the real CLI and real peer
 * processes, at a small size: the report must show every message at every live peer,
 * dissemination times that agree with the history, at least one copy per delivery, hop
 * counts from 1, and ingest against the verify ceiling; under churn, restarted peers
 * must catch up. One file, so the two runs never share the cores. The dissemination SLO
 * is set loose (p99=60s): this test checks behaviour, not how fast a shared machine is.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { GossipDeliverEvent, GossipSendEvent, HistoryEvent } from '../lab/metrics/events.js';
import { readRun, reportDirs, ROOT, runCli, tempDir } from './support/lab-cli.js';

const gsends = (h: HistoryEvent[]) => h.filter((e): e is GossipSendEvent => e.type === 'gsend');
const gdelivers = (h: HistoryEvent[]) => h.filter((e): e is GossipDeliverEvent => e.type === 'gdeliver');

describe('lab run scenarios/gossip.yaml (8 peers)', () => {
  it('shows every message at every peer and reports dissemination, hops, amplification and ingest', { timeout: 180_000 }, async () => {
    await using out = await tempDir('peerlab-gossip-');
    const result = await runCli(['lab', 'run', 'scenarios/gossip.yaml', '--out', out.path, '--set', 'peers=8', '--set', 'duration=4s', '--set', 'p99=60s']);
    const [dir] = await reportDirs(out.path, 'gossip');
    const run = await readRun(dir!);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(run.report.verdict).toBe('pass');
    const g = run.report.metrics.gossip!;
    const sends = gsends(run.history);

    // Every message written reached all 7 other peers.
    expect(g.messages).toBe(sends.length);
    expect(g.messages).toBeGreaterThanOrEqual(30); // 4 s at the default 10/s
    expect(g.authors).toHaveLength(3);
    expect(g.delivery_ratio).toBe(1);
    expect(g.min_delivery_ratio).toBe(1);
    expect(g.expected).toBe(g.messages * 7);
    expect(g.deliveries).toBe(g.expected);

    // Dissemination as the history shows it: for each message, the last of its 7 showings.
    const shown = new Map<string, GossipDeliverEvent[]>();
    for (const d of gdelivers(run.history)) shown.set(d.id, [...(shown.get(d.id) ?? []), d]);
    const full = sends.map((s) => Math.max(...shown.get(s.id)!.filter((d) => d.peer !== s.from).map((d) => d.t)) - s.scheduledT);
    expect(full.every((t) => t <= g.dissemination.max_ms + 0.001)).toBe(true);
    expect(Math.max(...full)).toBeCloseTo(g.dissemination.max_ms, 2);
    const d = g.dissemination;
    expect(d.incomplete).toBe(0);
    expect(d.to_50.p50_ms).toBeLessThanOrEqual(d.to_99.p50_ms);
    expect(d.to_99.p99_ms).toBeLessThanOrEqual(d.p99_ms);
    expect(d.p50_ms).toBeLessThanOrEqual(d.p99_ms);
    expect(d.p99_ms).toBeLessThanOrEqual(d.max_ms);
    expect(g.curve.at(-1)).toMatchObject({ p50: 1, min: 1 });

    // Hops: the author's own copy is the origin (0); every other peer's first copy travelled at least one hop.
    for (const s of sends) {
      const copies = shown.get(s.id)!;
      expect(copies.find((c) => c.peer === s.from)?.hops).toBe(0);
      expect(copies.filter((c) => c.peer !== s.from).every((c) => c.hops >= 1)).toBe(true);
    }
    expect(g.hops.histogram[0]!.hops).toBe(1);
    expect(g.hops.count).toBe(g.deliveries);
    expect(g.hops.mean).toBeGreaterThanOrEqual(1);

    // Each delivery needs at least one copy; the counters of all 8 peers were read before they stopped.
    expect(g.counters.peers).toBe(8);
    expect(g.counters.originated).toBe(g.messages);
    expect(g.counters.delivered - g.counters.originated).toBe(g.deliveries);
    expect(g.amplification).not.toBeNull();
    expect(g.amplification!).toBeGreaterThanOrEqual(1);
    expect(g.counters.signature_checks).toBeGreaterThanOrEqual(g.deliveries);

    // Ingest against the ceiling measured in the lab process before the run.
    expect(run.history.find((e) => e.type === 'verify_ceiling')).toMatchObject({ perS: expect.any(Number) });
    expect(g.ingest.verify_ceiling_per_s!).toBeGreaterThan(100);
    expect(g.ingest.checks_per_s_max).toBeGreaterThan(0);
    expect(g.ingest.ingest_vs_ceiling).toBeCloseTo(g.ingest.checks_per_s_max / g.ingest.verify_ceiling_per_s!, 4);
    expect(g.per_peer.every((p) => p.checks_per_s !== null && p.copies_per_s! >= p.checks_per_s!)).toBe(true);

    // The report files carry it: SLOs, Markdown, HTML charts, a report.json the schema accepts.
    expect(run.report.slos.map((s) => [s.metric, s.pass])).toEqual([
      ['gossip.delivery_ratio', true],
      ['gossip.dissemination.p99_ms', true],
      ['gossip.amplification', true],
    ]);
    // The settings the peers ran with, and the push-gossip model for them over the measured curve.
    expect(run.report.peer_settings).toMatchObject({
      'gossip.fanout': { value: 4, source: 'peer', flag: '--fanout', field: 'fanout' },
      'gossip.ttl': { value: 8, source: 'peer', flag: '--gossip-ttl', field: 'gossip_ttl' },
      'gossip.digestIntervalMs': { value: 1000, source: 'peer' },
      announceIntervalMs: { value: 1000, source: 'scenario' },
      keepaliveMs: { value: 5000, source: 'scenario' },
      connectOnDiscovery: { value: true, source: 'lab' },
    });
    const model = run.report.gossip_model!;
    expect(model).toMatchObject({ peers: 8, fanout: 4, ttl: 8, anti_entropy_modelled: false, per_hop_ms: g.per_hop_ms });
    expect(g.per_hop_ms).toBeGreaterThan(0);
    expect(model.points.map((p) => p.round)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(model.points[1]).toMatchObject({ share: expect.closeTo(4 / 7, 6), copies: 4 });
    // Round r at r × the run's own delay per hop.
    expect(model.points.map((p) => p.t_ms)).toEqual(model.points.map((p) => expect.closeTo(p.round * g.per_hop_ms!, 2)));
    expect(model.amplification).toBeGreaterThan(1);
    expect(model.to_50_ms).not.toBeNull();
    expect(run.html).toContain('data-series="push-gossip model (f=4, ttl=8, N=8), anti-entropy not modelled"');
    expect(run.markdown).toContain('| push-gossip model (f=4, ttl=8, N=8), anti-entropy not modelled | model | measured |');
    expect(run.markdown).toContain('### Group messages (gossip)');
    expect(run.html).toContain('data-chart="gossip-dissemination"');
    expect(run.html).toContain('data-chart="gossip-hops"');
    const schema = JSON.parse(await readFile(join(ROOT, 'lab/report/report.schema.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/).compile(schema);
    expect(validate(run.report), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe('lab run scenarios/gossip-churn.yaml (6 peers)', () => {
  it('has every peer up at the end show every message, restarted ones included', { timeout: 180_000 }, async () => {
    await using out = await tempDir('peerlab-gossip-churn-');
    const result = await runCli(['lab', 'run', 'scenarios/gossip-churn.yaml', '--out', out.path, '--set', 'peers=6', '--set', 'down=1s']);
    const [dir] = await reportDirs(out.path, 'gossip-churn');
    const run = await readRun(dir!);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const g = run.report.metrics.gossip!;
    expect(g.min_delivery_ratio).toBe(1);
    expect(g.delivery_ratio).toBe(1);

    const faults = run.report.metrics.timeline.faults;
    const restarted = [...new Set(faults.filter((f) => f.fault === 'restart').flatMap((f) => f.peers))];
    expect(restarted.length).toBeGreaterThan(0);
    const sends = gsends(run.history);
    for (const peer of restarted) {
      const killedAt = faults.find((f) => f.fault === 'kill' && f.peers.includes(peer))!.t_ms;
      const backAt = faults.find((f) => f.fault === 'restart' && f.peers.includes(peer) && f.t_ms > killedAt)!.t_ms;
      // Messages were written while it was down: it could only have them by catching up.
      const whileDown = sends.filter((s) => s.scheduledT > killedAt && s.scheduledT < backAt && s.from !== peer);
      expect(whileDown.length, peer).toBeGreaterThan(0);
      const got = new Set(gdelivers(run.history).filter((d) => d.peer === peer).map((d) => d.id));
      expect(whileDown.filter((s) => !got.has(s.id)), peer).toEqual([]);
      const row = g.per_peer.find((p) => p.peer === peer)!;
      expect(row.expected).toBe(sends.filter((s) => s.from !== peer).length);
      expect(row.received).toBe(row.expected);
    }
  });
});
