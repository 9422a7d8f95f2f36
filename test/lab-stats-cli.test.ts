/**
 * `lab compare` and `lab calibrate` as CI runs them (the real CLI), on report files of
 * synthetic repeated runs: nothing here starts a peer.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { noisyRuns, withLatency } from '../lab/compare/noisy-runs.js';
import { sampleReport } from '../lab/report/sample-report.js';
import type { Report } from '../lab/report/types.js';
import { seededRandom } from '../lab/scenario/random.js';
import { standardNormal } from '../lab/stats/standard-normal.js';
import { ROOT, runCli, tempDir } from './support/lab-cli.js';

const template = withLatency(sampleReport({ sendsPerStep: 1000, lost: [] }).report, { p50: 20, p90: 28, p99: 45, p99_9: 60, max: 80 }).metrics;
const normal = standardNormal(seededRandom(77));

async function write(dir: string, name: string, report: Report): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify(report));
  return path;
}

describe('lab compare on repeated runs', () => {
  it('exits 0 on unchanged runs and 2 when latency got 30 % worse, naming it', async () => {
    await using dir = await tempDir('peerlab-stats-');
    const base = await write(dir.path, 'base', noisyRuns(template, 8, normal));
    const same = await write(dir.path, 'same', noisyRuns(template, 8, normal));
    const slower = await write(dir.path, 'slower', noisyRuns(template, 8, normal, { scale: { 'latency.p50': 1.3 } }));

    const unchanged = await runCli(['lab', 'compare', base, same]);
    expect(unchanged.code, unchanged.stderr).toBe(0);
    expect(unchanged.stdout).toContain('Mann–Whitney U on each metric');
    expect(unchanged.stdout).toMatch(/^grpc echo p50\s+\S+ µs\s+\S+ µs$/m);

    const regressed = await runCli(['lab', 'compare', base, slower, '--markdown']);
    expect(regressed.code, regressed.stderr).toBe(2);
    expect(regressed.stdout.split('\n')[0]).toBe('### 🔴 REGRESSION in latency.p50');
    expect(regressed.stdout).toContain('| metric | base | next | Δ | interval | p | verdict | note |');
  });
});

describe('lab calibrate', () => {
  it('calibrates from a report of repeated runs without running anything', async () => {
    await using dir = await tempDir('peerlab-calibrate-');
    const report = await write(dir.path, 'ten', noisyRuns(template, 10, normal));
    const result = await runCli(['lab', 'calibrate', report]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^metric\s+median\s+CV\s+MAD\/median\s+3 runs\s+5 runs\s+10 runs\s+note$/m);
    expect(result.stdout).toMatch(/^latency\.p50\s+[\d.]+ ms\s+[\d.]+ %\s+[\d.]+ %\s+never\s+[\d.]+ %\*?\s+[\d.]+ %\*?$/m);
  });

  it('refuses, with exit 64 and before running anything, what it cannot calibrate', async () => {
    const single = await runCli(['lab', 'calibrate', join(ROOT, 'reports/baselines/smoke.json')]);
    expect(single.code).toBe(64);
    expect(single.stderr).toContain('calibrate needs at least 3 runs to measure their spread, and this report has 1: run it with --repeat 10');
    const two = await runCli(['lab', 'calibrate', 'scenarios/smoke.yaml', '--repeat', '2']);
    expect(two.code).toBe(64);
    expect(two.stderr).toContain('--repeat: calibrate needs a whole number of runs from 3 to 100');
    const sweep = await runCli(['lab', 'calibrate', 'scenarios/smoke.yaml', '--set', 'peers=3,5']);
    expect(sweep.code).toBe(64);
    expect(sweep.stderr).toContain('calibrate runs one scenario, and the --set lists make a sweep of 2: give one value each');
  });
});
