/**
 * `peerlab lab run --repeat N` against real peer processes, short: three smoke runs on
 * fresh peers make one schema-valid report (every run, medians, the spread, each run's
 * verdict, the machine baseline); a run's derived seed replays its load alone. And a
 * background load that outlasts the steps is run to the end, every planned message sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEvent, SendEvent } from '../lab/metrics/events.js';
import { METRIC_PATHS, metricValue } from '../lab/metrics/metric-paths.js';
import { deriveSeed } from '../lab/scenario/random.js';
import { median } from '../lab/stats/index.js';
import { readRun, reportDirs, reportSchemaErrors, runCli, tempDir, writeScenario, type CliResult, type WrittenRun } from './support/lab-cli.js';

/** Smoke made short and light; the timing SLOs are loosened: this checks behaviour, not speed. */
const SMOKE = ['--set', 'peers=3', '--set', 'duration=1s', '--set', 'p50=1s', '--set', 'p99=10s'];

/** Who sent to whom, by scheduled time since the load began: the arrival schedule. */
function arrivals(history: readonly HistoryEvent[]): string[] {
  const load = history.find((e) => e.type === 'step' && e.name === 'load' && e.phase === 'begin');
  const begin = load?.type === 'step' ? load.scheduledT! : 0;
  return history
    .filter((e): e is SendEvent => e.type === 'send')
    .map((s) => `${(s.scheduledT - begin).toFixed(1)} ${s.from}>${s.to}`)
    .sort();
}

describe('lab run scenarios/smoke.yaml --repeat 3', () => {
  let out: { path: string } & AsyncDisposable;
  let result: CliResult;
  let run: WrittenRun;
  type Line = HistoryEvent & { run: number };

  beforeAll(async () => {
    out = await tempDir('peerlab-repeat-');
    result = await runCli(['lab', 'run', 'scenarios/smoke.yaml', '--repeat', '3', '--out', out.path, ...SMOKE]);
    const dirs = await reportDirs(out.path, 'smoke');
    expect(dirs, 'one report folder for the three runs').toHaveLength(1);
    run = await readRun(dirs[0]!);
  }, 180_000);
  afterAll(() => out[Symbol.asyncDispose]());

  it('passes and writes one report.json, schema-valid, with three runs on derived seeds', async () => {
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/smoke: PASS \(SLOs on the median of 3 runs\)/);
    expect(await reportSchemaErrors(run.report)).toEqual([]);
    const { repeat } = run.report;
    expect(repeat.count).toBe(3);
    expect(repeat.runs.map((r) => r.seed)).toEqual([42, deriveSeed(42, 1), deriveSeed(42, 2)]);
    expect(new Set(repeat.runs.map((r) => r.seed)).size).toBe(3);
    // Fresh peers each run: every run discovered and delivered on its own.
    for (const r of repeat.runs) {
      expect(r.metrics.delivery.sent, `run ${r.index}`).toBe(20);
      expect(r.metrics.discovery.pairs_discovered, `run ${r.index}`).toBe(6);
      expect(r.baseline.grpc_echo.samples, `run ${r.index}`).toBeGreaterThan(0);
    }
  });

  it('has aggregate medians equal to the median of the per-run values, and SLOs checked on them', () => {
    const { repeat, metrics } = run.report;
    for (const path of ['latency.p50', 'latency.p99', 'delivery.ratio', 'discovery.converged_ms', 'throughput.mean_delivered_per_s', 'memory.max_rss_mb']) {
      const values = repeat.runs.map((r) => metricValue(r.metrics, path)!);
      expect(repeat.aggregate[path], path).toMatchObject({ median: median(values), values });
      expect(metricValue(metrics, path), path).toBe(median(values));
      expect(repeat.aggregate[path]!.ci_low).toBe(Math.min(...values));
      expect(repeat.aggregate[path]!.ci_high).toBe(Math.max(...values));
    }
    expect(Object.keys(repeat.aggregate).every((p) => p in METRIC_PATHS)).toBe(true);
    const p50 = run.report.slos.find((s) => s.metric === 'latency.p50')!;
    expect(p50.actual).toBe(repeat.aggregate['latency.p50']!.median);
  });

  it('lists each run with its verdict in report.md and says the SLOs are on medians', () => {
    expect(run.markdown).toContain('✅ PASS: smoke');
    expect(run.markdown).toContain('**SLOs are checked on the medians**');
    for (const r of run.report.repeat.runs) expect(run.markdown).toMatch(new RegExp(`\\| ${r.index} \\| ${r.seed} \\| ✅ pass \\|`));
    expect(run.markdown).toContain('### Spread across 3 runs');
    expect(run.markdown).toMatch(/\| grpc-js loopback echo p50 \/ p99 \| [\d.]+ µs \/ [\d.]+ µs \(\d+ round trips\) \|/);
  });

  it('shows the spread in report.html: a dot per run and the interval as a bar', () => {
    const chart = /<svg[^>]*data-chart="spread"[\s\S]*?<\/svg>/.exec(run.html)?.[0] ?? '';
    const latency = /<g data-metric="latency\.p50">([\s\S]*?)<\/g>/.exec(chart)?.[1] ?? '';
    expect(latency.match(/class="run-dot"/g)).toHaveLength(3);
    expect(latency.match(/class="ci-bar"/g)).toHaveLength(1);
  });

  it('writes junit.xml with a case per SLO and one per run, and one history.jsonl with each run index', () => {
    expect(run.junit.match(/<testcase /g)).toHaveLength(run.report.slos.length + 3);
    expect(run.junit).not.toContain('<failure');
    const lines = run.history as Line[];
    expect(new Set(lines.map((l) => l.run))).toEqual(new Set([0, 1, 2]));
    for (const r of run.report.repeat.runs) {
      expect(lines.filter((l) => l.run === r.index && l.type === 'send')).toHaveLength(r.metrics.delivery.sent);
    }
  });

  it("replays a run alone from its seed: the same arrivals, who to whom, when", async () => {
    const third = run.report.repeat.runs[2]!;
    await using again = await tempDir('peerlab-repeat-seed-');
    const single = await runCli(['lab', 'run', 'scenarios/smoke.yaml', '--seed', String(third.seed), '--out', again.path, ...SMOKE]);
    expect(single.code, single.stdout + single.stderr).toBe(0);
    const replay = await readRun((await reportDirs(again.path, 'smoke'))[0]!);
    expect(replay.report.seed).toBe(third.seed);
    const original = arrivals((run.history as Line[]).filter((l) => l.run === 2));
    expect(original).toHaveLength(20);
    expect(arrivals(replay.history)).toEqual(original);
    // And another run's seed gives another schedule.
    expect(arrivals((run.history as Line[]).filter((l) => l.run === 1))).not.toEqual(original);
  }, 120_000);
});

describe('a background load that outlasts the steps', () => {
  it('is run to its end: every planned message sent, nothing cut', async () => {
    await using dir = await tempDir('peerlab-background-');
    const file = await writeScenario(dir.path, 'outlast', `name: outlast
seed: 3
peer:
  announce_interval: 200ms
  expire_after: 2s
steps:
  - start: { count: 2 }
  - wait_for: { condition: discovered, timeout: 10s }
  - load: { rate: 10, duration: 3s, size: 64, background: true, label: long }
  - sleep: { duration: 500ms }
slos:
  - delivery_ratio == 1
`);
    const result = await runCli(['lab', 'run', file, '--out', dir.path]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const run = await readRun((await reportDirs(dir.path, 'outlast'))[0]!);
    const [step] = run.report.metrics.per_step;
    expect(step).toMatchObject({ label: 'long', planned: 30, cut: 0, sent: 30, delivered: 30 });
    expect(run.report.metrics.delivery.sent).toBe(30);
    // The load's end came after the last step's: the run waited for it.
    const steps = run.report.metrics.timeline.steps;
    const load = steps.find((s) => s.name === 'load')!;
    const sleep = steps.find((s) => s.name === 'sleep')!;
    expect(load.end_ms).toBeGreaterThan(sleep.end_ms!);
    expect(run.markdown).not.toContain('was cut');
  });
});

describe('lab run --repeat with a bad count', () => {
  it('exits 64 naming the flag and the limits, before starting anything', async () => {
    for (const bad of ['0', '101', 'many']) {
      const result = await runCli(['lab', 'run', 'scenarios/smoke.yaml', '--repeat', bad]);
      expect(result.code, bad).toBe(64);
      expect(result.stderr).toBe(`peerlab: --repeat: expected a whole number of runs from 1 to 100, got "${bad}"\n`);
    }
  });
});
