import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { compareReports } from '../../compare/compare.js';
import { pushGossipModel } from '../../metrics/epidemic-model.js';
import { formatMetric } from '../../metrics/format.js';
import type { SyntheticGossipOptions } from '../../metrics/gossip-synthetic-run.js';
import { renderMarkdown } from '../markdown.js';
import schema from '../report.schema.json' with { type: 'json' };
import { sampleGossipReport, sampleReport } from '../sample-report.js';
import { renderHtml } from './page.js';

function gossipReport(options: SyntheticGossipOptions & { set?: Record<string, string> } = {}) {
  return sampleGossipReport(options).report;
}

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  return ajv.compile(schema);
}

describe('the gossip section of a report', () => {
  it('validates against the schema, and the schema rejects a broken gossip block', () => {
    const report = gossipReport({ churnPeer: 'p5', missed: [[3, 'p4']] });
    const validate = validator();
    expect(validate(JSON.parse(JSON.stringify(report))), JSON.stringify(validate.errors)).toBe(true);
    const broken = structuredClone(report) as unknown as { metrics: { gossip: { delivery_ratio: unknown } } };
    broken.metrics.gossip.delivery_ratio = 1.5;
    expect(validate(broken)).toBe(false);
  });

  it('decides the SLOs on gossip metrics', () => {
    const report = gossipReport();
    expect(report.slos.map((s) => [s.metric, s.pass])).toEqual([
      ['gossip.delivery_ratio', true],
      ['gossip.dissemination.p99_ms', true],
      ['gossip.amplification', true],
    ]);
    const lossy = gossipReport({ missed: [[3, 'p4']] });
    expect(lossy.verdict).toBe('fail');
    expect(lossy.verdict_reasons[0]).toMatch(/^SLO not met: gossip\.delivery_ratio was 99\.5\d* %/);
  });

  it('shows the numbers in report.md', () => {
    const md = renderMarkdown(gossipReport());
    expect(md).toContain('### Group messages (gossip)');
    expect(md).toMatch(/\| amplification \(copies received per message delivered\) \| 3× \|/);
    expect(md).toMatch(/\| delivery ratio \(mean \/ worst message\) \| 100 % \/ 100 % \(30 messages, 0 missing of 210\) \|/);
    expect(md).toMatch(/\| until all have it: p50 \/ p99 \/ max \| [\d.]+ ms \/ [\d.]+ ms \/ [\d.]+ ms \|/);
    expect(md).toMatch(/Ed25519 verify ceiling \(one core\) · busiest peer's share \| 5000\/s · [\d.]+ % \|/);
  });

  it('draws the dissemination curve and the hop histogram in report.html, escaped', () => {
    const html = renderHtml(gossipReport({ missed: [[3, 'p4']] }));
    expect(html).toContain('data-section="gossip"');
    expect(html).toMatch(/<svg data-chart="gossip-dissemination"[\s\S]*data-series="median message"[\s\S]*data-series="worst message"/);
    expect(html.match(/<rect class="bar" data-hops="\d+"/g)).toHaveLength(3);
    expect(html).toContain('Messages not everywhere (1)');
    expect(html).toMatch(/<td><code>g3<\/code><\/td><td><code>p0<\/code><\/td>.*<td>p4<\/td>/);
    expect(html).not.toContain('<b>broadcast');
    expect(html).toContain('Eight peers &lt;b&gt;broadcast&lt;/b&gt;.');
  });

  it('carries the peer settings in force and the push-gossip model for them in report.json', () => {
    const report = gossipReport({ set: { 'peer.fanout': '2', 'peer.gossip_ttl': '3' } });
    expect(report.peer_settings).toMatchObject({
      'gossip.fanout': { value: 2, source: 'scenario' },
      'gossip.ttl': { value: 3, source: 'scenario' },
      'gossip.digestIntervalMs': { value: 1000, source: 'peer' },
      announceIntervalMs: { value: 200, source: 'lab' },
    });
    const g = report.metrics.gossip!;
    const model = report.gossip_model!;
    const expected = pushGossipModel({ peers: 8, fanout: 2, ttl: 3 });
    expect(model).toMatchObject({ peers: 8, fanout: 2, ttl: 3, anti_entropy_modelled: false, per_hop_ms: g.per_hop_ms });
    expect(model.amplification).toBeCloseTo(expected.amplification, 3);
    expect(model.points.map((p) => p.round)).toEqual([0, 1, 2, 3]);
    expect(model.points.map((p) => p.share)).toEqual(expected.rounds.map((r) => expect.closeTo(r.share, 6)));
    expect(model.points.map((p) => p.t_ms)).toEqual([0, 1, 2, 3].map((r) => expect.closeTo(r * g.per_hop_ms!, 3)));
    // The staircase's first round past half: round 2 (round 1 reaches 2 of 7 peers).
    expect(model.points[1]!.share).toBeLessThan(0.5);
    expect(model.points[2]!.share).toBeGreaterThan(0.5);
    expect(model.to_50_ms).toBe(model.points[2]!.t_ms);
    // The default peer settings: fanout 4, ttl 8.
    expect(gossipReport().gossip_model).toMatchObject({ fanout: 4, ttl: 8, peers: 8 });
    // The schema holds the model to its shape.
    const validate = validator();
    expect(validate(JSON.parse(JSON.stringify(report))), JSON.stringify(validate.errors)).toBe(true);
    const broken = structuredClone(report) as unknown as { gossip_model: { points: Array<{ share: unknown }> } };
    broken.gossip_model.points[1]!.share = 1.5;
    expect(validate(broken)).toBe(false);
  });

  it('draws the model dashed over the measured curve, with its legend entry and a model-vs-measured table', () => {
    const report = gossipReport();
    const html = renderHtml(report);
    const label = 'push-gossip model (f=4, ttl=8, N=8), anti-entropy not modelled';
    const chart = /<svg data-chart="gossip-dissemination"[\s\S]*?<\/svg>/.exec(html)![0];
    const path = new RegExp(`<path class="line" data-series="${label.replace(/[()]/g, '\\$&')}" d="([^"]+)" stroke="[^"]+" stroke-dasharray="5 4"/>`).exec(chart);
    expect(path, 'a dashed model path').not.toBeNull();
    // A staircase through rounds 0..8 (and, when round 8 comes before the measured curve ends, held to the end).
    expect(path![1]!.match(/H[\d.]+V[\d.]+/g)!.length).toBeGreaterThanOrEqual(8);
    expect(path![1]!.startsWith('M64,')).toBe(true);
    expect(chart).toContain(`>${label}</text>`);
    expect(chart.indexOf('data-series="median message"')).toBeLessThan(chart.indexOf(`data-series="${label}"`));
    expect(html).toMatch(/<table data-table="gossip-model">.*<td>until 50 % have it \(measured: median message\)<\/td><td class="num">[\d.]+ ms<\/td><td class="num">[\d.]+ ms<\/td>/);
    expect(html).toMatch(/<td>amplification \(copies received per message delivered\)<\/td><td class="num">[\d.]+×<\/td><td class="num">3×<\/td>/);
    expect(html).toContain(`Dashed grey: the ${label}`);
  });

  it('compares the model with the run in report.md', () => {
    const report = gossipReport({ set: { 'peer.fanout': '2', 'peer.gossip_ttl': '3' } });
    const md = renderMarkdown(report);
    const m = report.gossip_model!;
    expect(md).toContain('| push-gossip model (f=2, ttl=3, N=8), anti-entropy not modelled | model | measured |');
    expect(md).toMatch(/\| until 50 % have it \(measured: median message\) \| [\d.]+ ms \| [\d.]+ ms \|/);
    // Push alone with fanout 2 and 3 hops does not reach 99 % of 7 peers.
    expect(m.reach).toBeLessThan(0.99);
    expect(md).toContain(`| until 99 % have it (measured: median message) | never (push alone reaches ${formatMetric(m.reach, 'ratio')}) |`);
    expect(md).toMatch(new RegExp(`\\| amplification \\(copies received per message delivered\\) \\| ${String(formatMetric(m.amplification, 'number')).replace('.', '\\.')}× \\| 3× \\|`));
    expect(md).toContain(`round r drawn at r × ${formatMetric(report.metrics.gossip!.per_hop_ms, 'ms')}`);
  });

  it('is left out of runs without group messages', () => {
    const { report } = sampleReport();
    expect(report.metrics.gossip).toBeUndefined();
    expect(renderHtml(report)).not.toContain('data-section="gossip"');
    expect(renderMarkdown(report)).not.toContain('gossip');
    expect(report.gossip_model).toBeUndefined();
    expect(compareReports(report, report).rows.some((r) => r.metric.startsWith('gossip.'))).toBe(false);
  });

  it('lets compare flag a gossip regression', () => {
    const base = gossipReport();
    const worse = gossipReport({ missed: [[3, 'p4'], [5, 'p6']] });
    const result = compareReports(base, worse);
    expect(result.rows.find((r) => r.metric === 'gossip.delivery_ratio')).toMatchObject({ verdict: 'worse', gate: true });
    expect(result.regression).toBe(true);
    expect(compareReports(base, base).regression).toBe(false);
  });
});
