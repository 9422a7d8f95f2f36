/**
 * Idle cost of a peer: N real peer processes on loopback that discover each other and
 * then do nothing; each peer's CPU time (from its own Stats) over a window, and the
 * announcements it received per second. Several builds can run side by side, in turn,
 * so a before/after comparison shares the machine's noise. Prints figures; asserts nothing.
 *
 *   node dist/bench/idle-cpu.js [--peers 20] [--window 60] [--settle 10] [--rounds 2]
 *                               [--cli before=/path/to/dist/bin/peerlab.js --cli after=dist/bin/peerlab.js]
 *                               [--arg=--fanout=4 ...] [--json]
 *
 * Without --cli it runs this build only. Peers start 4 at a time (the machine is shared).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PEERLAB_CLI, randomLoopbackNetwork, startPeerProcess, type StartedPeerProcess } from '../lab/runtimes/process/peer-process.js';

interface Sample {
  cpuUs: number;
  received: number;
  signatureChecks: number;
  sessions: number;
  neighbours: number;
}

interface RunResult {
  label: string;
  round: number;
  peers: number;
  windowS: number;
  /** Per peer, % of one core over the window. */
  cpuPercent: number[];
  /** Per peer, announcements received per second (own ones excluded). */
  receivedPerS: number[];
  signatureChecksPerS: number[];
  sessions: number[];
  neighbours: number[];
  load: number;
}

const STARTS_AT_ONCE = 4;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      peers: { type: 'string', default: '20' },
      window: { type: 'string', default: '60' },
      settle: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '1' },
      cli: { type: 'string', multiple: true },
      arg: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
  });
  const builds = (values.cli ?? [`this=${PEERLAB_CLI}`]).map((entry) => {
    const at = entry.indexOf('=');
    if (at < 1) throw new Error(`--cli wants LABEL=PATH, got ${JSON.stringify(entry)}`);
    return { label: entry.slice(0, at), cli: entry.slice(at + 1) };
  });
  const n = Number(values.peers);
  const windowS = Number(values.window);
  const results: RunResult[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const build of builds) {
      const result = await runOnce(build.label, build.cli, round, n, windowS, Number(values.settle), values.arg ?? []);
      results.push(result);
      if (!values.json) console.log(formatRow(result));
    }
  }
  if (values.json) console.log(JSON.stringify(results, null, 2));
}

async function runOnce(label: string, cli: string, round: number, n: number, windowS: number, settleS: number, extraArgs: string[]): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'peerlab-idle-'));
  const network = randomLoopbackNetwork();
  const peers: StartedPeerProcess[] = [];
  try {
    for (let i = 0; i < n; i += STARTS_AT_ONCE) {
      const batch = Array.from({ length: Math.min(STARTS_AT_ONCE, n - i) }, (_, j) => `p${i + j}`);
      peers.push(...(await Promise.all(batch.map((name) => startPeerProcess({ name, dataDir: join(dir, name), network, cli, extraArgs, startTimeoutMs: 60_000 })))));
    }
    await Promise.all(peers.map((peer) => peer.waitUntil(() => (seen(peer) >= n - 1 ? true : undefined), 180_000, `${peer.spec.name} to see all ${n - 1} others`)));
    await sleep(settleS * 1000);
    const before = await Promise.all(peers.map(sample));
    const loadBefore = loadavg()[0]!;
    await sleep(windowS * 1000);
    const after = await Promise.all(peers.map(sample));
    return {
      label,
      round,
      peers: n,
      windowS,
      cpuPercent: after.map((a, i) => ((a.cpuUs - before[i]!.cpuUs) / (windowS * 1e6)) * 100),
      receivedPerS: after.map((a, i) => (a.received - before[i]!.received) / windowS),
      signatureChecksPerS: after.map((a, i) => (a.signatureChecks - before[i]!.signatureChecks) / windowS),
      sessions: after.map((a) => a.sessions),
      neighbours: after.map((a) => a.neighbours),
      load: (loadBefore + loadavg()[0]!) / 2,
    };
  } finally {
    await Promise.all(peers.map((p) => p.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}

/** Peers this one has seen come up and not go down. */
function seen(peer: StartedPeerProcess): number {
  const up = new Set<string>();
  for (const event of peer.events) {
    if (event.type === 'peer_up') up.add(event.peerId);
    else if (event.type === 'peer_down') up.delete(event.peerId);
  }
  return up.size;
}

async function sample(peer: StartedPeerProcess): Promise<Sample> {
  const stats = await retry(() => peer.control.stats(), 5);
  const c = stats.counters;
  return {
    cpuUs: stats.cpuUserUs + stats.cpuSystemUs,
    // The adapter counts every datagram it reads, its own included.
    received: (c['discovery.multicast.received'] ?? 0) - (c['discovery.multicast.self'] ?? 0),
    signatureChecks: c['discovery.signature_checks'] ?? Number.NaN,
    sessions: stats.sessionsOpen,
    neighbours: c['gossip.neighbours'] ?? Number.NaN,
  };
}

function formatRow(r: RunResult): string {
  const cpu = summary(r.cpuPercent, 2);
  return [
    `${r.label.padEnd(8)} round ${r.round}`,
    `${r.peers} peers, ${r.windowS} s idle`,
    `CPU/peer % of a core: median ${cpu.median} mean ${cpu.mean} max ${cpu.max}`,
    `announcements received/peer/s: median ${summary(r.receivedPerS, 1).median}`,
    `signature checks/peer/s: median ${summary(r.signatureChecksPerS, 2).median}`,
    `sessions/peer: max ${Math.max(...r.sessions)}`,
    `gossip neighbours/peer: max ${Math.max(...r.neighbours)}`,
    `load ${r.load.toFixed(1)}`,
  ].join(' | ');
}

function summary(values: number[], digits: number): { median: string; mean: string; max: string } {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return { median: median.toFixed(digits), mean: mean.toFixed(digits), max: (sorted.at(-1) ?? Number.NaN).toFixed(digits) };
}

/** A busy shared machine can miss a control call's deadline: try again a few times. */
async function retry<T>(call: () => Promise<T>, attempts: number): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      if (i >= attempts) throw err;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

await main();
