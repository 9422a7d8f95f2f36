/**
 * `peerlab lab explore` finds a planted bug and writes scenario files that reproduce it:
 * with PEERLAB_SIM_PLANT_BUG=restart-amnesia (a restarted peer drops its acks and shows
 * every resend again) a few runs find a message shown twice; `lab run` of the shrunk
 * file fails with the bug and passes without it. Without the bug a few runs find
 * nothing, and the same seed gives the same schedules.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario } from '../lab/scenario/parse.js';
import { readFile } from 'node:fs/promises';
import { readRun, reportDirs, runCli, tempDir, writeScenario } from './support/lab-cli.js';

const TINY = `name: tiny
seed: 7
peer:
  announce_interval: 300ms
  expire_after: 2s
steps:
  - start: { count: 3 }
  - wait_for: { condition: discovered, timeout: 10s }
  - load: { pattern: random, rate: 10, duration: 4s, size: 64 }
  - wait_for: { condition: delivered, timeout: 10s }
slos:
  - latency.p50 < 1ms
`;

const RATES = 'sign=15000,verify=6000,x25519=12000,aead_mb=300';
const BUG = { PEERLAB_SIM_PLANT_BUG: 'restart-amnesia' };

describe('lab explore', () => {
  it('finds the planted bug, writes the schedule as found and shrunk, and the shrunk file reproduces it only with the bug on', async () => {
    await using dir = await tempDir('peerlab-explore-');
    const file = await writeScenario(dir.path, 'tiny', TINY);
    const out = join(dir.path, 'out');
    const found = await runCli(['lab', 'explore', file, '--runs', '5', '--faults', 'kill,restart', '--sim-cpu', RATES, '--out', out], BUG);
    expect(found.code, found.stdout + found.stderr).toBe(1);
    expect(found.stdout).toMatch(/VIOLATION of shown_once in run \d+ \(seed \d+\)/);
    expect(found.stdout).toMatch(/evidence: message [\w-]+ p\d → p\d shown \d+ times at p\d/);
    const paths = ['found', 'shrunk'].map((kind) => new RegExp(`^  ${kind}: +(\\S+)$`, 'm').exec(found.stdout)?.[1]);
    for (const path of paths) expect(path && existsSync(path), found.stdout).toBe(true);

    // Both are ordinary scenario files; the shrunk one has no more faults than the found one.
    const [foundFile, shrunkFile] = await Promise.all(paths.map((p) => readFile(p!, 'utf8')));
    const faultSteps = (text: string) => parseScenario(text, 'x.yaml')[0]!.steps.filter((s) => s.label?.startsWith('explore: ') && ['kill', 'restart'].includes(s.kind) && s.label !== 'explore: back from kill').length;
    expect(faultSteps(shrunkFile!)).toBeGreaterThanOrEqual(1);
    expect(faultSteps(shrunkFile!)).toBeLessThanOrEqual(faultSteps(foundFile!));

    const rerun = /rerun shrunk: peerlab (lab run .*)$/m.exec(found.stdout)?.[1];
    expect(rerun, found.stdout).toContain('--runtime sim');
    const args = [...rerun!.split(' '), '--out', out];
    const withBug = await runCli(args, BUG);
    expect(withBug.code, withBug.stdout + withBug.stderr).toBe(1);
    expect(withBug.stdout).toMatch(/SLO not met: delivery\.duplicates was [1-9]\d*; needs == 0/);
    const withoutBug = await runCli(args);
    expect(withoutBug.code, withoutBug.stdout + withoutBug.stderr).toBe(0);
    const [bugged, clean] = await Promise.all((await reportDirs(out, 'tiny-explore')).map(readRun));
    expect(bugged!.report.metrics.delivery.duplicates).toBeGreaterThan(0);
    expect(clean!.report.metrics.delivery).toMatchObject({ duplicates: 0, ratio: 1 });
  }, 120_000);

  it('reports no violation without the bug (exit 0), and the same seed draws the same schedules', async () => {
    await using dir = await tempDir('peerlab-explore-');
    const file = await writeScenario(dir.path, 'tiny', TINY);
    const args = ['lab', 'explore', file, '--runs', '3', '--seed', '11', '--sim-cpu', RATES, '--out', join(dir.path, 'out')];
    const [first, second] = [await runCli(args), await runCli(args)];
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/explore tiny: no violation · 3 runs in /);
    const runLines = (text: string) => text.split('\n').filter((l) => l.startsWith('run '));
    expect(runLines(first.stdout)).toHaveLength(3);
    for (const line of runLines(first.stdout)) expect(line).toMatch(/^run \d\/3 · seed \d+ · .+ · ok$/);
    expect(runLines(second.stdout)).toEqual(runLines(first.stdout));
    expect(existsSync(join(dir.path, 'out', 'tiny-explore'))).toBe(false);
  }, 120_000);

  it('refuses bad flags and a scenario without load with exit 64, naming the value', async () => {
    await using dir = await tempDir('peerlab-explore-');
    const file = await writeScenario(dir.path, 'tiny', TINY);
    const noLoad = await writeScenario(dir.path, 'idle', 'name: idle\nsteps:\n  - start: { count: 2 }\n');
    const cases: Array<[string[], RegExp]> = [
      [[file, '--runs', '0'], /--runs: expected a whole number from 1 to 100000, got "0"/],
      [[file, '--faults', 'kill,flood'], /--faults kill,flood: unknown fault "flood"; faults: kill, restart, pause, partition, loss/],
      [[noLoad], /idle\.yaml.*needs a load step/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['lab', 'explore', ...args]);
      expect(result.code, result.stdout + result.stderr).toBe(64);
      expect(result.stderr).toMatch(message);
    }
  }, 60_000);
});
