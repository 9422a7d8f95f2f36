/**
 * Container start-up benchmark for the docker runtime: for each N (1, 10, 30 by
 * default), a fresh run starts N peer containers at once and times
 *   - ready: from the first start call until every peer answered its control API;
 *   - discovered: until every peer lists every other one (polled every 50 ms);
 * then removes the run. Also times `docker kill` + start of one peer (a restart).
 * Prints figures; asserts nothing. Needs Docker (bash scripts/ensure-docker.sh).
 *
 *   npm run build && node dist/bench/container-start-bench.js [--sizes 1,10,30] [--json]
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DockerRuntime } from '../lab/runtimes/docker/docker-runtime.js';
import type { StartedPeer } from '../lab/runtimes/runtime.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1,10,30' }, json: { type: 'boolean', default: false } } });
const sizes = values.sizes!.split(',').map(Number);
const settings = { announceIntervalMs: 500, expireAfterMs: 5000, keepaliveMs: 2000 };

interface Row { peers: number; readyMs: number; discoveredMs: number; restartMs: number; meanRssMb: number }

async function allSeeAll(peers: StartedPeer[], deadlineMs: number): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    const lists = await Promise.all(peers.map((p) => p.control.listPeers()));
    if (lists.every((l) => l.length >= peers.length - 1)) return;
    if (performance.now() > deadline) throw new Error(`not every peer saw every other within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function measure(n: number): Promise<Row> {
  await using runtime = await DockerRuntime.create();
  const t0 = performance.now();
  const peers = await Promise.all(Array.from({ length: n }, (_, i) => runtime.start({ name: `p${i}`, settings })));
  const ready = performance.now() - t0;
  await allSeeAll(peers, 60_000);
  const discovered = performance.now() - t0;
  const samples = await Promise.all(peers.map((p) => p.sample()));
  const r0 = performance.now();
  const back = await (await peers[0]!.kill()).start();
  const restart = performance.now() - r0;
  void back;
  return { peers: n, readyMs: ready, discoveredMs: discovered, restartMs: restart, meanRssMb: samples.reduce((s, x) => s + x.rssBytes, 0) / n / 2 ** 20 };
}

const rows: Row[] = [];
// Builds or reuses the image first, so it is not in the first figure.
await (await DockerRuntime.create()).close();
for (const n of sizes) rows.push(await measure(n));

if (values.json) {
  process.stdout.write(`${JSON.stringify({ rows, cpus: cpus().length, loadavg: loadavg() })}\n`);
} else {
  process.stdout.write(`container start-up (docker runtime, ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)})\n`);
  process.stdout.write('peers | all ready (control API answers) | all discovered | kill+start one | mean RSS/container\n');
  for (const r of rows) {
    process.stdout.write(`${String(r.peers).padStart(5)} | ${(r.readyMs / 1000).toFixed(2).padStart(8)} s | ${(r.discoveredMs / 1000).toFixed(2).padStart(8)} s | ${(r.restartMs / 1000).toFixed(2).padStart(6)} s | ${r.meanRssMb.toFixed(1)} MiB\n`);
  }
}
