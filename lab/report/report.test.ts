import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReport, ReportError } from './load-report.js';
import { sampleReport } from './sample-report.js';
import { writeReport, type WrittenReport } from './write-report.js';
import schema from './report.schema.json' with { type: 'json' };

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'peerlab-report-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  return ajv.compile(schema);
}

describe('writeReport', () => {
  const { report, events } = sampleReport();
  let files: WrittenReport;
  beforeAll(async () => {
    files = await writeReport(root, report, [events]);
  });

  it('writes all five files into <root>/<scenario>/<stamp>/', async () => {
    expect(files.dir).toBe(join(root, 'sample-churn', '2025-01-02T03-04-05Z'));
    expect((await readdir(files.dir)).sort()).toEqual(['history.jsonl', 'junit.xml', 'report.html', 'report.json', 'report.md']);
  });

  it('writes a report.json that validates against the schema', async () => {
    const data = JSON.parse(await readFile(files.json, 'utf8'));
    const validate = validator();
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
    expect(data).toMatchObject({ schemaVersion: 2, seed: 42, runtime: 'process', scenario: { name: 'sample-churn', params: { peers: 5 } } });
    // One run is a repeat of one: its own metrics, verdict and baseline are run 0's.
    expect(data.repeat).toMatchObject({ count: 1, statistic: 'median', runs: [{ index: 0, seed: 42, verdict: 'fail' }] });
    expect(data.repeat.runs[0].metrics).toEqual(data.metrics);
    expect(data.repeat.aggregate['latency.p50']).toEqual({ median: data.metrics.latency.p50, ci_low: data.metrics.latency.p50, ci_high: data.metrics.latency.p50, confidence: 0, values: [data.metrics.latency.p50] });
  });

  it('records the settings the peers ran with, and who gave each, in report.json', async () => {
    const data = JSON.parse(await readFile(files.json, 'utf8'));
    expect(data.peer_settings).toMatchObject({
      'gossip.fanout': { value: 4, source: 'peer', flag: '--fanout', field: 'fanout' },
      'gossip.ttl': { value: 8, source: 'peer', flag: '--gossip-ttl', field: 'gossip_ttl' },
      'gossip.digestIntervalMs': { value: 1000, source: 'peer', flag: '--digest-interval', field: 'digest_interval' },
      announceIntervalMs: { value: 200, source: 'lab', flag: '--announce-interval', field: 'announce_interval' },
      expireAfterMs: { value: 1500, source: 'lab' },
      connectOnDiscovery: { value: false, source: 'peer', flag: '--connect-on-discovery' },
    });
    // No group messages in this run: no gossip model.
    expect(data.gossip_model).toBeUndefined();
  });

  it('has a schema that rejects a broken report', () => {
    const validate = validator();
    const broken = structuredClone(report) as unknown as { metrics: { latency: { p99: unknown } } };
    broken.metrics.latency.p99 = 'fast';
    expect(validate(broken)).toBe(false);
    const unknownSource = structuredClone(report) as unknown as { peer_settings: Record<string, { source: string }> };
    unknownSource.peer_settings['gossip.fanout']!.source = 'somewhere';
    expect(validate(unknownSource)).toBe(false);
  });

  it('fails the verdict on the missed latency SLO and says why', () => {
    // The kill of p3 puts seconds of retry latency into the tail.
    expect(report.verdict).toBe('fail');
    expect(report.slos.map((s) => s.pass)).toEqual([true, false, true, true]);
    expect(report.verdict_reasons).toEqual([expect.stringMatching(/^SLO not met: latency\.p99 was [\d.]+ s; needs < 50 ms$/)]);
  });

  it('writes every event to history.jsonl, one per line with its run index, that recomputes the same metrics', async () => {
    const lines = (await readFile(files.history, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(events.length);
    // Byte for byte what JSON.stringify of the event with its run index first gives (it is written in chunks, without that copy).
    expect(lines).toEqual(events.map((e) => JSON.stringify({ run: 0, ...e })));
    const { computeMetrics } = await import('../metrics/collector.js');
    expect(computeMetrics(lines.map((l) => JSON.parse(l)))).toEqual(report.metrics);
  });

  it('writes junit.xml with one testcase per SLO and the actual value on a miss', async () => {
    const xml = await readFile(files.junit, 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(report.slos.length);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toMatch(/<failure type="slo" message="latency\.p99 was [\d.]+ s; needs &lt; 50 ms">/);
    expect(xml).toContain('name="SLO latency.p99 &lt; 50ms"');
    expect(xml).toContain('tests="4" failures="1"');
  });

  it('writes report.md with the verdict and the SLO table', async () => {
    const md = await readFile(files.markdown, 'utf8');
    expect(md.split('\n')[0]).toBe('## ❌ FAIL: sample-churn');
    expect(md).toContain('| | SLO | actual | detail |');
    expect(md).toMatch(/\| ✅ \| `delivery_ratio >= 0\.98` \| 99 % \|/);
    expect(md).toMatch(/\| ❌ \| `latency\.p99 < 50ms` \| [\d.]+ s \|/);
    expect(md).toContain('| 20/s | 20/s |');
    expect(md).toContain('peerlab 0.1.0 · node 20.0.0 · grpc-js 1.14.7');
  });

  it('never overwrites an earlier run with the same stamp', async () => {
    const again = await writeReport(root, report, [events]);
    expect(again.dir).toBe(`${files.dir}-2`);
  });

  it('loads back the written report', async () => {
    expect((await loadReport(files.json)).metrics).toEqual(report.metrics);
  });
});

describe('hostile names', () => {
  const hostile = '<script>alert("x")</script> & |pipes| `ticks`';
  const { report, events } = sampleReport({ name: hostile });
  report.metrics.errors.messages.push({ t: 1, message: '<img src=x onerror=alert(1)>' });
  report.metrics.errors.count++;

  it('render as text in HTML, Markdown and JUnit, and make a safe folder name', async () => {
    const files = await writeReport(root, report, [events]);
    expect(files.dir.startsWith(join(root, 'script-alert-x-script-pipes-ticks'))).toBe(true);
    const html = await readFile(files.html, 'utf8');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; |pipes|');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const md = await readFile(files.markdown, 'utf8');
    expect(md).not.toContain('<script');
    expect(md.split('\n')[0]).toBe('## ❌ FAIL: &lt;script&gt;alert("x")&lt;/script&gt; &amp; \\|pipes\\| \\`ticks\\`');
    const xml = await readFile(files.junit, 'utf8');
    expect(xml).toContain('name="peerlab.&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; |pipes| `ticks`"');
  });
});

describe('loadReport', () => {
  it('rejects an unknown schemaVersion with a clear error', async () => {
    const path = join(root, 'future.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, JSON.stringify({ schemaVersion: 3, metrics: {} }));
    await expect(loadReport(path)).rejects.toThrow(ReportError);
    await expect(loadReport(path)).rejects.toThrow(`${path}: report schemaVersion 3 is not supported; this peerlab reads schemaVersion 1 and 2.`);
  });

  it('loads a schemaVersion 1 report (the committed smoke baseline) as one run with an unmeasured baseline', async () => {
    const path = fileURLToPath(new URL('../../reports/baselines/smoke.json', import.meta.url));
    const v1 = JSON.parse(await readFile(path, 'utf8'));
    expect(v1.schemaVersion).toBe(1);
    const report = await loadReport(path);
    expect(report.schemaVersion).toBe(2);
    expect(report.metrics).toEqual(v1.metrics);
    expect(report.repeat).toMatchObject({ count: 1, runs: [{ index: 0, seed: v1.seed, verdict: v1.verdict, metrics: v1.metrics }] });
    expect(report.repeat.aggregate['latency.p99']?.values).toEqual([v1.metrics.latency.p99]);
    expect(report.baseline.grpc_echo.samples).toBe(0);
    expect(report.baseline.notes).toEqual(['not measured: a schemaVersion 1 report has no baseline']);
  });

  it('rejects a file that is not a report', async () => {
    const path = join(root, 'junk.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, '{"hello": 1}');
    await expect(loadReport(path)).rejects.toThrow(`${path}: not a peerlab report (no schemaVersion field)`);
    await expect(loadReport(join(root, 'missing.json'))).rejects.toThrow(/cannot read the report \(ENOENT\)/);
  });
});
