/**
 * Login → peer-ready time through the dispatcher on the process spawner, with and
 * without a warm pool. For each pool size, a fresh dispatcher (in this process; the
 * peers are real child processes) and fresh users:
 *   - one at a time: each user logs in once the pool is full again (a warm claim when
 *     the pool has peers, a cold start when it has none);
 *   - a burst: `--burst` users log in at once (the pool covers the first few).
 * Time is from sending POST /login to the first GET /api/status that says ready
 * (polled every 10 ms, which is the resolution). Prints figures; asserts nothing.
 *
 *   npm run build && node dist/bench/dispatcher-login-bench.js [--pools 0,3] [--users 12] [--burst 10] [--json]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Dispatcher } from '../dispatcher/server.js';
import { ProcessSpawner } from '../dispatcher/spawners/process/process-spawner.js';
import { hashPassword } from '../dispatcher/users/password.js';
import { writeUsersFile, type UserRecord } from '../dispatcher/users/users-file.js';
import { MsHistogram } from '../lab/metrics/histogram.js';
import { randomLoopbackNetwork } from '../lab/runtimes/process/peer-process.js';

const { values } = parseArgs({
  options: { pools: { type: 'string', default: '0,3' }, users: { type: 'string', default: '12' }, burst: { type: 'string', default: '10' }, json: { type: 'boolean', default: false } },
});
const pools = values.pools!.split(',').map(Number);
const sequentialUsers = Number(values.users);
const burstUsers = Number(values.burst);

interface Row { pool: number; mode: 'one at a time' | 'burst'; logins: number; p50Ms: number; p99Ms: number; maxMs: number }

async function waitUntil(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** POST /login, then poll /api/status; the ms from the POST to "ready". */
async function loginToReady(base: string, user: string): Promise<number> {
  const t0 = performance.now();
  const answer = await fetch(`${base}login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(base).origin },
    body: new URLSearchParams({ username: user, password: `pw-${user}` }).toString(),
  });
  if (answer.status !== 303) throw new Error(`login of ${user}: HTTP ${answer.status}`);
  const cookie = answer.headers.getSetCookie()[0]!.split(';')[0]!;
  await waitUntil(`${user}'s peer`, async () => ((await (await fetch(`${base}api/status`, { headers: { cookie } })).json()) as { state: string }).state === 'ready');
  return performance.now() - t0;
}

async function measure(pool: number): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'peerlab-dispatcher-bench-'));
  const names = Array.from({ length: sequentialUsers + burstUsers }, (_, i) => `user-${i}`);
  const users: Record<string, UserRecord> = {};
  await Promise.all(names.map(async (name) => (users[name] = { admin: false, password: await hashPassword(`pw-${name}`) })));
  const usersFile = join(dir, 'users.json');
  await writeUsersFile(usersFile, { version: 1, users });
  const network = randomLoopbackNetwork();
  const stateDir = join(dir, 'state');
  const spawner = await ProcessSpawner.create({ stateDir, startTimeoutMs: 60_000, peerArgs: ['--multicast-group', network.group, '--multicast-port', String(network.port)] });
  const dispatcher = await Dispatcher.start(spawner, { host: '127.0.0.1', port: 0, usersFile, stateDir, poolSize: pool, maxUsers: 1000, idleTimeoutMs: 0, sessionTtlMs: 3_600_000 }, () => undefined);
  try {
    const poolFull = () => waitUntil('the pool to fill', () => dispatcher.context.pool.vacantCount >= pool);
    const one = new MsHistogram();
    for (const name of names.slice(0, sequentialUsers)) {
      await poolFull();
      one.record(await loginToReady(dispatcher.url, name));
    }
    await poolFull();
    const burst = new MsHistogram();
    for (const ms of await Promise.all(names.slice(sequentialUsers).map((name) => loginToReady(dispatcher.url, name)))) burst.record(ms);
    return [row(pool, 'one at a time', one), row(pool, 'burst', burst)];
  } finally {
    await dispatcher.stop();
    await spawner.close({ removeData: true });
    await rm(dir, { recursive: true, force: true });
  }
}

function row(pool: number, mode: Row['mode'], h: MsHistogram): Row {
  return { pool, mode, logins: h.count, p50Ms: Math.round(h.percentile(50)), p99Ms: Math.round(h.percentile(99)), maxMs: Math.round(h.percentile(100)) };
}

const rows: Row[] = [];
for (const pool of pools) rows.push(...(await measure(pool)));
if (values.json) {
  process.stdout.write(`${JSON.stringify({ cpus: cpus().length, loadavg: loadavg(), rows })}\n`);
} else {
  process.stdout.write(`login → peer ready, process spawner (${cpus().length} cpus, load ${loadavg()[0]!.toFixed(1)})\n`);
  process.stdout.write('pool  mode            logins    p50 ms    p99 ms    max ms\n');
  for (const r of rows) process.stdout.write(`${String(r.pool).padEnd(6)}${r.mode.padEnd(16)}${String(r.logins).padStart(6)}${String(r.p50Ms).padStart(10)}${String(r.p99Ms).padStart(10)}${String(r.maxMs).padStart(10)}\n`);
}
