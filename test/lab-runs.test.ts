/**
 * `peerlab lab run` end to end against real peer processes, the way CI runs it. One
 * file on purpose: vitest runs a file's tests one after another, so these runs never
 * compete with each other for the two cores. Timing SLOs are loosened with --set where a
 * run checks behaviour: the latency gate itself is `npm start`'s.
 *
 * - failures: an SLO missed or a wait_for timed out (1), a peer that will not start (3).
 * - a sweep; Ctrl-C (130, peers killed, report written).
 * - smoke: passes; every report file is there and report.json validates; the numbers add up.
 * Churn is in lab-schedule.test.ts (run twice, its faults on schedule), repeats in lab-repeat.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../lab/metrics/events.js';
import { readRun, reportDirs, reportSchemaErrors, ROOT, runCli, startCli, tempDir, writeScenario, type CliResult, type WrittenRun } from './support/lab-cli.js';
import { waitFor } from './support/wait-for.js';

/** A tiny real run: two peers, a second of load. */
const TINY = (slos: string[], extra = '') => `name: tiny
seed: 5
peer:
  announce_interval: 200ms
  expire_after: 2s
${extra}steps:
  - start: { count: 2 }
  - wait_for: { condition: discovered, timeout: 10s }
  - load: { rate: 10, duration: 1s, size: 64, label: ten }
  - wait_for: { condition: delivered, timeout: 10s }
slos:
${slos.map((s) => `  - ${s}`).join('\n')}
`;

describe('lab run: failures are reported, with the right exit code', () => {
  it('exits 1 when an SLO is missed, and junit and the summary show which', async () => {
    await using dir = await tempDir('peerlab-slo-');
    const file = await writeScenario(dir.path, 'tiny', TINY(['latency.p50 < 0.001ms', 'delivery_ratio == 1']));
    const result = await runCli(['lab', 'run', file, '--out', dir.path]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/tiny: FAIL/);
    const run = await readRun((await reportDirs(dir.path, 'tiny'))[0]!);
    expect(run.report.verdict).toBe('fail');
    expect(run.report.slos.map((s) => [s.slo, s.pass])).toEqual([['latency.p50 < 0.001ms', false], ['delivery_ratio == 1', true]]);
    expect(run.junit.match(/<testcase /g)).toHaveLength(2);
    expect(run.junit.match(/<failure /g)).toHaveLength(1);
    expect(run.junit).toMatch(/<testcase [^>]*name="SLO latency\.p50 &lt; 0\.001ms"[^>]*>\s*<failure type="slo"/);
    expect(run.markdown).toContain('❌ FAIL: tiny');
    expect(run.markdown).toMatch(/\| ❌ \| `latency\.p50 < 0\.001ms` \|/);
    expect(run.report.metrics.delivery.sent).toBe(10);
  });

  it('exits 1 when a wait_for times out, and the report names what was missing', async () => {
    await using dir = await tempDir('peerlab-timeout-');
    // One peer announces too rarely to be seen within the timeout.
    const file = await writeScenario(dir.path, 'slow', `name: slow
peer:
  announce_interval: 5s
  expire_after: 20s
steps:
  - start: { count: 1 }
  - start: { count: 1 }
  - wait_for: { condition: discovered, timeout: 500ms }
  - sleep: { duration: 1s }
`);
    const result = await runCli(['lab', 'run', file, '--out', dir.path]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const run = await readRun((await reportDirs(dir.path, 'slow'))[0]!);
    const failed = run.report.metrics.timeline.steps.filter((s) => s.failed);
    expect(failed).toEqual([expect.objectContaining({ index: 2, name: 'wait_for', detail: expect.stringMatching(/discovered not reached within 500ms: .*p1 does not see p0/) })]);
    // The run stopped there: the sleep never ran.
    expect(run.report.metrics.timeline.steps.map((s) => s.index)).toEqual([0, 1, 2]);
    expect(run.junit).toContain('<failure type="step"');
  });

  it('exits 3 when a peer will not start, and still writes the report', async () => {
    await using dir = await tempDir('peerlab-nostart-');
    const file = await writeScenario(dir.path, 'broken', 'name: broken\npeer:\n  args: ["--no-such-flag"]\nsteps:\n  - start: { count: 2 }\n');
    const result = await runCli(['lab', 'run', file, '--out', dir.path]);
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stderr).toMatch(/lab error: peer p\d did not start/);
    const run = await readRun((await reportDirs(dir.path, 'broken'))[0]!);
    expect(run.report.verdict).toBe('fail');
    expect(run.report.metrics.timeline.steps[0]).toMatchObject({ name: 'start', failed: true });
    expect(run.report.metrics.errors.messages[0]?.message).toMatch(/lab error: peer p\d did not start/);
  });
});

describe('lab run: a sweep', () => {
  it('runs once per value and writes a side-by-side summary', async () => {
    await using dir = await tempDir('peerlab-sweep-');
    const file = await writeScenario(dir.path, 'tiny', TINY(['delivery_ratio == 1'], 'params:\n  peers: 2\n').replace('count: 2', 'count: ${peers}'));
    const result = await runCli(['lab', 'run', file, '--out', dir.path, '--set', 'peers=2,3']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const dirs = await reportDirs(dir.path, 'tiny');
    expect(dirs).toHaveLength(2);
    const runs = await Promise.all(dirs.map(readRun));
    expect(runs.map((r) => r.report.scenario.sweep).sort((a, b) => Number(a.peers) - Number(b.peers))).toEqual([{ peers: 2 }, { peers: 3 }]);
    expect(runs.map((r) => r.report.metrics.peers.length).sort()).toEqual([2, 3]);
    expect(result.stdout).toContain('## Sweep: tiny');
    expect(result.stdout).toMatch(/\| peers \| verdict \|/);
    const summaryPath = /sweep summary: (\S+)/.exec(result.stdout)?.[1];
    expect(summaryPath).toBeDefined();
    const summary = await readFile(resolve(ROOT, summaryPath!), 'utf8');
    expect(summary.split('\n').filter((l) => /^\| [23] \| pass \|/.test(l))).toHaveLength(2);
  });
});

/** Whether a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('lab run interrupted', () => {
  it('kills its peers, writes the report and exits 130 on SIGINT', async () => {
    await using dir = await tempDir('peerlab-interrupt-');
    const file = await writeScenario(dir.path, 'long', `name: long
peer:
  announce_interval: 200ms
  expire_after: 2s
steps:
  - start: { count: 3 }
  - wait_for: { condition: discovered, timeout: 15s }
  - load: { rate: 10, duration: 5m, label: endless }
`);
    const cli = startCli(['lab', 'run', file, '--out', dir.path]);
    await waitFor(() => /\[2\/3\] wait_for discovered: done/.test(cli.output()), 30_000, 'discovery to finish', () => cli.output());
    const peers = execFileSync('ps', ['-o', 'pid=', '--ppid', String(cli.child.pid)], { encoding: 'utf8' })
      .split('\n').map((l) => Number(l.trim())).filter((pid) => pid > 0);
    expect(peers).toHaveLength(3);
    cli.child.kill('SIGINT');
    const result = await cli.result;
    expect(result.code, result.stdout + result.stderr).toBe(130);
    expect(result.stderr).toContain('SIGINT: stopping the run');
    expect(peers.filter(alive)).toEqual([]);
    const run = await readRun((await reportDirs(dir.path, 'long'))[0]!);
    expect(run.report.verdict).toBe('fail');
    const load = run.report.metrics.timeline.steps.find((s) => s.name === 'load');
    expect(load).toMatchObject({ failed: true, detail: 'interrupted by SIGINT' });
    expect(result.stdout).toContain(run.dir);
  });
});

// Last: the longest run, and the one whose numbers are checked most closely.
describe('lab run scenarios/smoke.yaml', () => {
  let result: CliResult;
  let run: WrittenRun;
  let out: { path: string } & AsyncDisposable;

  beforeAll(async () => {
    out = await tempDir('peerlab-smoke-');
    // The latency gate is npm start's job; here the run checks behaviour, so its timing
    // SLOs are set where only a broken peer would miss them (other test files may still load the CPU).
    result = await runCli(['lab', 'run', 'scenarios/smoke.yaml', '--out', out.path, '--set', 'p50=1s', '--set', 'p99=10s']);
    const dirs = await reportDirs(out.path, 'smoke');
    expect(dirs).toHaveLength(1);
    run = await readRun(dirs[0]!);
    return () => out[Symbol.asyncDispose]();
  });

  it('passes, says so, and prints where the report is', () => {
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/smoke: PASS/);
    expect(result.stdout).toContain(run.dir);
    // Not a terminal: one plain line per step, no carriage returns.
    expect(result.stdout).not.toContain('\r');
    expect(result.stdout).toMatch(/\[5\/6\] load 20\/s random.*done/);
  });

  it('writes a report.json that validates against the schema', async () => {
    expect(await reportSchemaErrors(run.report)).toEqual([]);
    expect(run.report).toMatchObject({ verdict: 'pass', runtime: 'process', seed: 42, scenario: { name: 'smoke', file: 'scenarios/smoke.yaml' } });
  });

  it('has numbers that add up', () => {
    const m = run.report.metrics;
    expect(m.delivery.sent).toBeGreaterThan(0);
    expect(m.delivery.delivered + m.delivery.lost).toBe(m.delivery.sent);
    expect(m.delivery.ratio).toBe(1);
    expect(m.delivery.duplicates).toBe(0);
    expect(m.delivery.unexpected).toBe(0);
    expect(m.latency.count).toBe(m.delivery.delivered);
    expect(m.latency.p50).toBeLessThanOrEqual(m.latency.p99);
    expect(m.latency.p99).toBeLessThanOrEqual(m.latency.max);
    expect(m.peers).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(m.discovery.converged_ms).not.toBeNull();
    expect(m.discovery.pairs_discovered).toBe(20);
    expect(m.per_step).toHaveLength(1);
    expect(m.per_step[0]).toMatchObject({ label: '20/s random', rate_configured: 20, sent: m.delivery.sent });
    // The open model: 20/s for 10 s is 200 arrivals, whatever the peers did.
    expect(m.delivery.sent).toBe(200);
    expect(m.errors.count).toBe(0);
  });

  it('samples memory and CPU of every peer', () => {
    const m = run.report.metrics;
    expect(m.memory.per_peer.map((p) => p.peer)).toEqual(m.peers);
    for (const p of m.memory.per_peer) {
      expect(p.max_rss_mb).toBeGreaterThan(10);
      expect(p.series.length).toBeGreaterThan(5);
    }
    expect(m.cpu.per_peer.map((p) => p.peer)).toEqual(m.peers);
  });

  it('keeps a send and a deliver for every message in history.jsonl, and an ack back', () => {
    const sends = run.history.filter((e) => e.type === 'send');
    const delivers = new Map(run.history.flatMap((e) => (e.type === 'deliver' ? [[e.id, e] as const] : [])));
    const acks = new Set(run.history.flatMap((e) => (e.type === 'ack' ? [e.id] : [])));
    expect(sends).toHaveLength(run.report.metrics.delivery.sent);
    for (const s of sends) {
      expect(delivers.get(s.id), `message ${s.id}`).toMatchObject({ from: s.from, to: s.to });
      expect(s.from).not.toBe(s.to);
      expect(s.size).toBe(256);
      expect(s.t).toBeGreaterThanOrEqual(s.scheduledT);
    }
    expect(sends.filter((s) => acks.has(s.id)).length).toBe(run.report.metrics.delivery.acked);
    expect(run.history.filter((e) => e.type === 'step' && e.phase === 'begin').map((e) => (e as { name: string }).name)).toEqual([
      'start', 'link', 'wait_for', 'wait_for', 'load', 'wait_for',
    ]);
    // The default `delay: 0ms` changes nothing: no fault, nothing put in the peers' path.
    expect(run.history.find((e) => e.type === 'step' && e.name === 'link' && e.phase === 'end')).toMatchObject({ detail: { delayMs: 0, unchanged: true } });
    expect(run.history.filter((e) => e.type === 'fault')).toEqual([]);
    const loadBegin = run.history.find((e) => e.type === 'step' && e.name === 'load' && e.phase === 'begin');
    expect(loadBegin).toMatchObject({ label: '20/s random', detail: { rate: 20 } });
  });

  it('writes junit with one test case per SLO, all passing', () => {
    const cases = run.junit.match(/<testcase /g) ?? [];
    expect(cases).toHaveLength(run.report.slos.length);
    expect(run.report.slos.map((s) => s.slo)).toEqual([
      'delivery_ratio >= 0.999',
      'delivery.duplicates == 0',
      'latency.p50 < 1s',
      'latency.p99 < 10s',
      'discovery.converged_ms < 3000',
    ]);
    expect(run.junit).not.toContain('<failure');
    expect(run.markdown).toContain('✅ PASS: smoke');
  });

  it('draws every chart of report.html with data', () => {
    const charts = [...run.html.matchAll(/<svg[^>]*data-chart="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(charts).toEqual(['discovery', 'latency-distribution', 'latency-over-time', 'memory', 'throughput']);
    expect(run.html).not.toContain('class="empty"');
  });
});
