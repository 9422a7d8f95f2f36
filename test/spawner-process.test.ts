/**
 * The process spawner: the spawner conformance suite on child peer processes, each test
 * on a multicast group of its own (loopback only), and what only processes can show.
 */
import { readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ProcessSpawner } from '../dispatcher/spawners/process/process-spawner.js';
import { randomLoopbackNetwork } from '../lab/runtimes/process/peer-process.js';
import { spawnerConformance } from './support/spawner-conformance.js';

/** Processes whose working dir is under `stateDir` (the spawner starts each peer in its instance dir), and instance dirs. */
async function processLeftovers(stateDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    if (cwd.startsWith(stateDir)) found.push(`process ${pid} in ${cwd}`);
  }
  const dirs = await readdir(join(stateDir, 'process')).catch(() => [] as string[]);
  return [...found, ...dirs.filter((d) => d !== 'instances.json').map((d) => `dir process/${d}`)];
}

/** One multicast group per state dir: a spawner made again over it is the same dispatcher, restarted. */
const networks = new Map<string, ReturnType<typeof randomLoopbackNetwork>>();

spawnerConformance('process', {
  create: (stateDir, options) => {
    const network = networks.get(stateDir) ?? randomLoopbackNetwork();
    networks.set(stateDir, network);
    return ProcessSpawner.create({
      stateDir,
      startTimeoutMs: options?.startTimeoutMs ?? 30_000,
      peerArgs: ['--multicast-group', network.group, '--multicast-port', String(network.port), '--announce-interval', '200', '--expire-after', '2000'],
    });
  },
  leftovers: processLeftovers,
});
