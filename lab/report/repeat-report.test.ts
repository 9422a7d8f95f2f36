/**
 * A report of three synthetic runs (latencies scaled ×1, ×1.5, ×3): the v2 schema, the
 * aggregate (medians, intervals, SLOs checked on medians), and what report.md,
 * report.html, junit.xml and history.jsonl show of each run and of the spread.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeMetrics } from '../metrics/collector.js';
import type { HistoryEvent } from '../metrics/events.js';
import { METRIC_PATHS, metricValue } from '../metrics/metric-paths.js';
import { deriveSeed } from '../scenario/random.js';
import { median } from '../stats/index.js';
import { sampleRepeatedReport } from './sample-report.js';
import { writeReport, type WrittenReport } from './write-report.js';
import schema from './report.schema.json' with { type: 'json' };

const { report, histories } = sampleRepeatedReport(3, { latencyScales: [1, 1.5, 3] });
let root: string;
let files: WrittenReport;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'peerlab-repeat-report-'));
  files = await writeReport(root, report, histories);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a report of three runs', () => {
  it('validates against the v2 schema and lists every run with its derived seed', async () => {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const validate = ajv.compile(schema);
    const data = JSON.parse(await readFile(files.json, 'utf8'));
    expect(validate(data), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(data.repeat.count).toBe(3);
    expect(data.repeat.runs.map((r: { index: number; seed: number }) => [r.index, r.seed])).toEqual([0, 1, 2].map((i) => [i, deriveSeed(42, i)]));
    expect(data.repeat.runs[0].seed).toBe(42);
  });

  it('carries, for every metric path, the median of the per-run values, in metrics and in the aggregate', () => {
    const paths = Object.keys(report.repeat.aggregate);
    expect(paths).toContain('latency.p50');
    for (const path of Object.keys(METRIC_PATHS)) {
      const values = report.repeat.runs.map((r) => metricValue(r.metrics, path)).filter((v): v is number => v !== null);
      if (values.length === 0) {
        expect(report.repeat.aggregate[path], path).toBeUndefined();
        continue;
      }
      expect(report.repeat.aggregate[path], path).toMatchObject({ median: median(values), values });
      expect(metricValue(report.metrics, path), path).toBe(median(values));
    }
    // The latency scales make the runs differ: the median is run 1's (×1.5), the interval [min, max] at 75 %.
    const p50 = report.repeat.aggregate['latency.p50']!;
    expect(p50.values[0]).toBeLessThan(p50.values[1]!);
    expect(p50.values[1]).toBeLessThan(p50.values[2]!);
    expect(p50).toMatchObject({ median: p50.values[1], ci_low: p50.values[0], ci_high: p50.values[2], confidence: 0.75 });
  });

  it('checks the SLOs on the medians and keeps each run its own verdict', () => {
    const p99 = report.slos.find((s) => s.metric === 'latency.p99')!;
    expect(p99.actual).toBe(report.repeat.aggregate['latency.p99']!.median);
    for (const run of report.repeat.runs) {
      expect(run.slos.find((s) => s.metric === 'latency.p99')!.actual).toBe(run.metrics.latency.p99);
      expect(run.verdict).toBe(run.verdict_reasons.length ? 'fail' : 'pass');
    }
    expect(report.verdict).toBe('fail');
    expect(report.verdict_reasons).toContainEqual(expect.stringMatching(/^SLO not met on the median of 3 runs: latency\.p99 was/));
  });

  it('says in report.md that SLOs are checked on medians, and lists each run with its verdict and the spread', async () => {
    const md = await readFile(files.markdown, 'utf8');
    expect(md).toContain('**SLOs are checked on the medians**');
    expect(md).toContain('| | SLO | median of 3 runs | detail |');
    for (const run of report.repeat.runs) {
      expect(md).toMatch(new RegExp(`\\| ${run.index} \\| ${run.seed} \\| ${run.verdict === 'pass' ? '✅ pass' : '❌ fail'} \\|`));
    }
    expect(md).toContain('### Spread across 3 runs');
    expect(md).toMatch(/\| `latency\.p50` \| [\d.]+ ms \| [\d.]+ ms – [\d.]+ ms \(75 %\) \| [\d.]+ ms · [\d.]+ ms · [\d.]+ ms \| `[-=+o8]+` \|/);
    expect(md).toContain('### Machine baseline');
  });

  it('draws the spread in report.html: a dot per run and an interval bar for each gated metric', async () => {
    const html = await readFile(files.html, 'utf8');
    const chart = /<svg[^>]*data-chart="spread"[\s\S]*?<\/svg>/.exec(html)?.[0];
    expect(chart).toBeDefined();
    const rows = [...chart!.matchAll(/<g data-metric="([^"]+)">([\s\S]*?)<\/g>/g)];
    expect(rows.map((r) => r[1])).toEqual(expect.arrayContaining(['latency.p50', 'latency.p99', 'delivery.ratio', 'throughput.mean_delivered_per_s', 'discovery.converged_ms', 'memory.max_rss_mb']));
    for (const [, metric, body] of rows) {
      expect(body!.match(/class="run-dot"/g), metric).toHaveLength(3);
      expect(body!.match(/class="ci-bar"/g), metric).toHaveLength(1);
    }
    expect(html).toContain('data-table="runs"');
    expect(html).toContain('data-table="baseline"');
  });

  it('writes junit.xml with one case per SLO on the aggregate and one per run', async () => {
    const xml = await readFile(files.junit, 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(report.slos.length + 3);
    for (const run of report.repeat.runs) expect(xml).toContain(`name="run ${run.index} (seed ${run.seed})"`);
    const failedRuns = report.repeat.runs.filter((r) => r.verdict === 'fail').length;
    expect(xml).toContain(`failures="${report.slos.filter((s) => !s.pass).length + failedRuns}"`);
  });

  it('writes every run into one history.jsonl, each line with its run index, each run recomputing its own metrics', async () => {
    const lines = (await readFile(files.history, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as HistoryEvent & { run: number });
    expect(lines).toHaveLength(histories.flat().length);
    for (const run of report.repeat.runs) {
      const own = lines.filter((l) => l.run === run.index).map(({ run: _run, ...event }) => event as HistoryEvent);
      expect(computeMetrics(own)).toEqual(run.metrics);
    }
  });
});
