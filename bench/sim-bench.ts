/**
 * Simulator benchmark: runs a scenario on `--runtime sim` at several peer counts, each in
 * a process of its own, and prints peers, virtual seconds, wall seconds, speed-up and
 * memory per simulated peer. Asserts nothing.
 *
 *   npm run bench:sim                (builds, then runs this)
 *   node dist/bench/sim-bench.js [--scenario scenarios/gossip.yaml] [--peers 1000,10000]
 *                                [--set key=value ...] [--timeout 600] [--sim-cpu RATES]
 *
 * A run still going after --timeout seconds is interrupted (SIGINT): its report then
 * shows how much virtual time it covered in that wall time.
 *
 * Wall seconds are the run's own (report.json simulation.wall_ms: first peer start to
 * last peer down), not the process's start-up. Memory per peer is the process's peak RSS
 * (GNU time's %M) less that of the same scenario at 5 peers, over the extra peers: what
 * one more simulated peer costs, not a share of Node's own footprint.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SimulationReport } from '../lab/runtimes/runtime.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'dist/bin/peerlab.js');
const BASE_PEERS = 5;

interface Figures {
  peers: number;
  verdict: string;
  simulation: SimulationReport | undefined;
  peakRssKb: number;
  processWallS: number;
}

/** One run in its own process; its report's simulation section and the process's peak RSS. */
async function runOnce(scenario: string, peers: number, sets: string[], cpu: string | undefined, timeoutS: number): Promise<Figures> {
  const out = await mkdtemp(join(tmpdir(), 'peerlab-sim-bench-'));
  try {
    // coreutils timeout interrupts the run itself (SIGINT: the lab writes its report, showing how far it got).
    const args = ['-f', '%M %e', 'timeout', '--signal=INT', '--kill-after=20', String(timeoutS), process.execPath, CLI, 'lab', 'run', scenario, '--runtime', 'sim', '--set', `peers=${peers}`, '--out', out];
    for (const s of sets) args.push('--set', s);
    if (cpu) args.push('--sim-cpu', cpu);
    const { stderr } = await new Promise<{ stderr: string }>((done) => {
      execFile('/usr/bin/time', args, { maxBuffer: 64 << 20 }, (_err, _stdout, stderr) => done({ stderr: String(stderr) }));
    });
    const [rss = '0', wall = '0'] = (/(\d+) ([\d.]+)\s*$/.exec(stderr.trim())?.slice(1) ?? []);
    const name = (await readdir(out))[0];
    const stamp = name ? (await readdir(join(out, name)))[0] : undefined;
    const report = stamp ? JSON.parse(await readFile(join(out, name!, stamp, 'report.json'), 'utf8')) : undefined;
    return { peers, verdict: report?.verdict ?? 'no report', simulation: report?.simulation, peakRssKb: Number(rss), processWallS: Number(wall) };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'scenarios/gossip.yaml' },
      peers: { type: 'string', default: '1000,10000' },
      set: { type: 'string', multiple: true, default: [] },
      timeout: { type: 'string', default: '600' },
      'sim-cpu': { type: 'string' },
    },
  });
  const scenario = resolve(values.scenario!);
  const counts = values.peers!.split(',').map(Number);
  const timeoutS = Number(values.timeout);
  const base = await runOnce(scenario, BASE_PEERS, values.set!, values['sim-cpu'], timeoutS);
  console.log(`sim bench: ${values.scenario} · baseline ${BASE_PEERS} peers peak RSS ${(base.peakRssKb / 1024).toFixed(0)} MB`);
  console.log('peers   virtual_s   wall_s   speed-up   KB/peer   crypto     verdict   process_s');
  for (const peers of counts) {
    const f = await runOnce(scenario, peers, values.set!, values['sim-cpu'], timeoutS);
    const sim = f.simulation;
    const perPeerKb = f.peakRssKb > 0 ? (f.peakRssKb - base.peakRssKb) / (peers - BASE_PEERS) : NaN;
    console.log(
      [
        String(peers).padEnd(7),
        (sim ? (sim.virtual_ms / 1000).toFixed(1) : '-').padStart(9),
        (sim ? (sim.wall_ms / 1000).toFixed(1) : '-').padStart(8),
        (sim ? `${sim.speedup.toFixed(1)}×` : '-').padStart(10),
        perPeerKb.toFixed(1).padStart(9),
        (sim?.crypto.rule ?? '-').padStart(10),
        f.verdict.padStart(9),
        f.processWallS.toFixed(1).padStart(11),
      ].join(' '),
    );
  }
}

await main();
