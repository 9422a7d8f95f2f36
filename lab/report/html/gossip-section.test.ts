import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { compareReports } from '../../compare/compare.js';
import { computeMetrics } from '../../metrics/collector.js';
import { syntheticGossipRun, type SyntheticGossipOptions } from '../../metrics/gossip-synthetic-run.js';
import { parseScenario } from '../../scenario/parse.js';
import { buildReport } from '../build-report.js';
import { renderMarkdown } from '../markdown.js';
import schema from '../report.schema.json' with { type: 'json' };
import { sampleReport, SAMPLE_ENVIRONMENT } from '../sample-report.js';
import { renderHtml } from './page.js';

const YAML = `
name: gossip-sample
description: Eight peers <b>broadcast</b>.
params: { peers: 8 }
steps:
  - start: { count: \${peers} }
  - load: { pattern: broadcast, authors: [0, 1, 2], rate: 10, duration: 3s, label: "<script>x</script>" }
  - wait_for: { condition: gossip_delivered, timeout: 10s }
slos:
  - gossip.delivery_ratio == 1
  - gossip.dissemination.p99_ms < 50ms
  - gossip.amplification >= 1
`;

function gossipReport(options: SyntheticGossipOptions = {}) {
  const events = syntheticGossipRun(options);
  const [scenario] = parseScenario(YAML, 'scenarios/gossip-sample.yaml');
  const metrics = computeMetrics(events);
  return buildReport({ scenario: scenario!, runtime: 'process', runs: [{ startedAt: '2025-01-02T03:04:05.000Z', finishedAt: '2025-01-02T03:04:15.000Z', events, metrics }], environment: SAMPLE_ENVIRONMENT });
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

  it('is left out of runs without group messages', () => {
    const { report } = sampleReport();
    expect(report.metrics.gossip).toBeUndefined();
    expect(renderHtml(report)).not.toContain('data-section="gossip"');
    expect(renderMarkdown(report)).not.toContain('gossip');
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
