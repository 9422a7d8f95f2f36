/**
 * The regression gate end to end, on real peer processes: two repeated smoke runs of
 * the same code compare as unchanged (exit 0), and a run with 5 ms added on every link
 * (the process runtime's own network path) is flagged as a latency regression (exit 2).
 *
 * The unchanged pair runs side by side (each run has its own multicast group, ports and
 * data, so they never hear each other), as lab/compare/README.md advises: on a shared
 * machine the load drifts over minutes, and two sets of runs taken a minute apart once
 * differed by +17 % in latency p50 on unchanged code (CI, 2026-12-02): a real difference
 * in the machine, which no test on per-run values can tell from one in the code. Side by
 * side, both sets see the same machine.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRun, reportDirs, runCli, tempDir } from './support/lab-cli.js';

/** Five short runs a side; the timing SLOs are loosened: the gate here is the compare. */
const SMOKE = ['lab', 'run', 'scenarios/smoke.yaml', '--repeat', '5', '--set', 'duration=4s', '--set', 'p50=1s', '--set', 'p99=10s'];

let out: { path: string } & AsyncDisposable;
const reports: Record<'base' | 'same' | 'base2' | 'delayed', string> = { base: '', same: '', base2: '', delayed: '' };

/** Runs smoke into its own folder and returns its report.json. */
async function smoke(label: keyof typeof reports, extra: string[] = []): Promise<string> {
  const dir = join(out.path, label);
  const result = await runCli([...SMOKE, '--out', dir, ...extra]);
  expect(result.code, `${label}: ${result.stdout}${result.stderr}`).toBe(0);
  const [folder] = await reportDirs(dir, 'smoke');
  const run = await readRun(folder!);
  expect(run.report.repeat.count).toBe(5);
  return join(folder!, 'report.json');
}

beforeAll(async () => {
  out = await tempDir('peerlab-gate-');
  [reports.base, reports.same] = await Promise.all([smoke('base'), smoke('same')]);
  // The delayed run goes through the lab's network (a proxy and relay in a worker thread),
  // whose work beside a run of direct peers would slow that run down: these two go one
  // after the other, and a 5 ms step stands well above the drift of a minute.
  reports.base2 = await smoke('base2');
  reports.delayed = await smoke('delayed', ['--set', 'delay=5ms']);
}, 600_000);

afterAll(() => out?.[Symbol.asyncDispose]());

describe('lab compare on repeated smoke runs', () => {
  it('unchanged code: no regression (exit 0)', async () => {
    const result = await runCli(['lab', 'compare', reports.base, reports.same]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^no regression$/m);
  });

  it('5 ms more on every link: a latency regression (exit 2), named', async () => {
    const result = await runCli(['lab', 'compare', reports.base2, reports.delayed]);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    const flagged = result.stdout.split('\n').filter((line) => /worse|regression/i.test(line));
    expect(flagged.some((line) => /latency\.p50/.test(line)), result.stdout).toBe(true);
  });
});
