/**
 * Host benchmark: what one more peer costs inside a `peerlab host` process. Starts a host
 * with 1 peer and a host with K (default 100) on loopback multicast, lets them find each
 * other and sit idle, and prints the process RSS of each, the marginal RSS per extra peer
 * ((RSS_K - RSS_1) / (K - 1); goal ≤ 3 MB), heap, idle CPU per peer and sessions.
 * Prints figures; asserts nothing.
 *
 *   npm run bench:host
 *   node dist/bench/host-bench.js [--peers 100] [--idle 10] [--json]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HostControlClient } from '../peer/control/host-client.js';
import { startHostProcess, type StartedHostProcess } from '../lab/runtimes/process/host-process.js';
import { randomLoopbackNetwork } from '../lab/runtimes/process/peer-process.js';

const MB = 1024 * 1024;

interface HostFigures {
  peers: number;
  startMs: number;
  rssMb: number;
  heapMb: number;
  /** Percent of one core per peer while idle. */
  idleCpuPerPeer: number;
  sessionsPerPeer: number;
  peersKnownMin: number;
}

const { values } = parseArgs({ options: { peers: { type: 'string', default: '100' }, idle: { type: 'string', default: '10' }, json: { type: 'boolean', default: false } } });
const K = Number(values.peers);
const IDLE_MS = Number(values.idle) * 1000;
if (!Number.isInteger(K) || K < 2) throw new Error(`--peers must be a whole number of at least 2, got ${values.peers}`);

/** Starts a host of `count` peers, waits until every peer knows every other (or 60 s), idles, and reads its figures. */
async function measure(count: number): Promise<HostFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'peerlab-host-bench-'));
  const began = performance.now();
  let host: StartedHostProcess | undefined;
  let client: HostControlClient | undefined;
  try {
    host = await startHostProcess({
      name: `h${count}`,
      dataRoot: dir,
      network: randomLoopbackNetwork(),
      peers: Array.from({ length: count }, (_, i) => `p${i}`),
      startTimeoutMs: 60_000 + count * 500,
    });
    const startMs = performance.now() - began;
    // A busy host answers late: a minute per call rather than the lab's 10 s.
    client = new HostControlClient(`127.0.0.1:${host.ready.controlPort}`, host.controlToken, 60_000);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const stats = await client.stats();
      if (stats.peers.every((p) => p.peersKnown >= count - 1)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const before = await client.stats();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const after = await client.stats();
    const cpuUs = Number(after.cpuUserUs) + Number(after.cpuSystemUs) - Number(before.cpuUserUs) - Number(before.cpuSystemUs);
    const idleCpu = (cpuUs / 1000 / (Number(after.uptimeMs) - Number(before.uptimeMs))) * 100;
    return {
      peers: count,
      startMs: Math.round(startMs),
      rssMb: Number(after.rssBytes) / MB,
      heapMb: Number(after.heapUsedBytes) / MB,
      idleCpuPerPeer: idleCpu / count,
      sessionsPerPeer: after.peers.reduce((sum, p) => sum + p.sessionsOpen, 0) / count,
      peersKnownMin: Math.min(...after.peers.map((p) => p.peersKnown)),
    };
  } finally {
    client?.close();
    await host?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const one = await measure(1);
const many = await measure(K);
const marginalMb = (many.rssMb - one.rssMb) / (K - 1);
if (values.json) {
  process.stdout.write(`${JSON.stringify({ one, many, marginalRssMbPerPeer: marginalMb })}\n`);
} else {
  const row = (f: HostFigures) =>
    `${String(f.peers).padStart(5)} peers: start ${f.startMs} ms, RSS ${f.rssMb.toFixed(1)} MB, heap ${f.heapMb.toFixed(1)} MB, ` +
    `idle CPU ${f.idleCpuPerPeer.toFixed(3)} % of a core per peer, sessions/peer ${f.sessionsPerPeer.toFixed(1)}, fewest peers known ${f.peersKnownMin}`;
  process.stdout.write(`${row(one)}\n${row(many)}\n`);
  process.stdout.write(`marginal RSS per extra peer: ${marginalMb.toFixed(2)} MB (goal ≤ 3 MB)\n`);
}
