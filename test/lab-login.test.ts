/**
 * `peerlab lab run scenarios/dispatcher.yaml` on the process spawner, small: 4 users log
 * in at once with a warm pool of 2 through the dispatcher's pool, then message each other.
 * The report gives login → ready per user and memory per user, and the run leaves no
 * peer process and no spawner state behind.
 */
import { readdir, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LoginEvent } from '../lab/metrics/events.js';
import { readRun, reportDirs, reportSchemaErrors, runCli, tempDir, type CliResult, type WrittenRun } from './support/lab-cli.js';

const PREFIX = 'peerlab-login-process-';

/** Login state dirs in the temp dir, and processes whose working dir is (or was) in one. */
async function loginLeftovers(): Promise<string[]> {
  const dirs = (await readdir(tmpdir())).filter((d) => d.startsWith(PREFIX)).map((d) => `dir ${d}`);
  const processes: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    if (cwd.startsWith(join(tmpdir(), PREFIX))) processes.push(`process ${pid} in ${cwd}`);
  }
  return [...dirs, ...processes];
}

let out: { path: string } & AsyncDisposable;
let result: CliResult;
let run: WrittenRun;
let before: string[];

beforeAll(async () => {
  before = await loginLeftovers();
  out = await tempDir('peerlab-login-run-');
  result = await runCli(['lab', 'run', 'scenarios/dispatcher.yaml', '--out', out.path, '--set', 'peers=4', '--set', 'pool=2', '--set', 'duration=2s']);
  const dirs = await reportDirs(out.path, 'dispatcher');
  expect(dirs).toHaveLength(1);
  run = await readRun(dirs[0]!);
}, 120_000);
afterAll(() => out[Symbol.asyncDispose]());

it('4 concurrent logins with pool 2: each user gets a peer, 2 from the pool, and they message each other', async () => {
  expect(result.code, result.stdout + result.stderr).toBe(0);
  const logins = run.history.filter((e): e is LoginEvent => e.type === 'login');
  expect(logins.map((e) => e.peer).sort()).toEqual(['p0', 'p1', 'p2', 'p3']);
  // The pool was full before the logins and all 4 asked at once: the 2 warm peers went to 2 of them.
  expect(logins.filter((e) => e.fromPool)).toHaveLength(2);
  const m = run.report.metrics;
  expect(m.login).toMatchObject({ spawner: 'process', pool: 2, count: 4, from_pool: 2 });
  expect(m.login!.p50_ms).toBeGreaterThan(0);
  expect(m.login!.p99_ms).toBeGreaterThanOrEqual(m.login!.p50_ms);
  expect(m.login!.from_pool_p50_ms).toBeGreaterThan(0);
  expect(m.login!.started_p50_ms).toBeGreaterThan(0);
  // Each user's own peer answered Stats: a Node peer is tens of MB.
  expect(m.login!.memory_per_user_mb).toBeGreaterThan(20);
  expect(m.delivery.sent).toBeGreaterThan(0);
  expect(m.delivery.ratio).toBe(1);
  expect(m.discovery.pairs_discovered).toBe(12);
  expect(run.markdown).toMatch(/login → ready p50 \/ p99 \/ max \(process, pool 2\)/);
});

it('writes a schema-valid report', async () => {
  expect(await reportSchemaErrors(run.report)).toEqual([]);
});

it('leaves no peer process and no spawner state behind', async () => {
  expect(await loginLeftovers()).toEqual(before);
});
