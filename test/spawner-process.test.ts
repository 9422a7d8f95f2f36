/**
 * The process spawner: the spawner conformance suite on child peer processes, each test
 * on a multicast group of its own (loopback only), and what only processes can show.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processesIn, processRunning, startTimeOf } from '../dispatcher/spawners/process/pids.js';
import { ProcessSpawner } from '../dispatcher/spawners/process/process-spawner.js';
import { randomLoopbackNetwork } from '../lab/runtimes/process/peer-process.js';
import { spawnerConformance } from './support/spawner-conformance.js';

/** Processes whose working dir is under `stateDir` (the spawner starts each peer in its instance dir), and instance dirs. */
async function processLeftovers(stateDir: string): Promise<string[]> {
  const found = processesIn(stateDir).map((pid) => `process ${pid}`);
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

describe('process spawner close()', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('also ends a process running in one of its instance dirs that has no record (a dispatcher stopped between the spawn and the record)', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'peerlab-spawner-orphan-'));
    dirs.push(stateDir);
    const spawner = await ProcessSpawner.create({ stateDir, startTimeoutMs: 30_000 });
    const instanceDir = join(stateDir, 'process', 'p-orphan');
    await mkdir(instanceDir, { recursive: true });
    const orphan = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { cwd: instanceDir, detached: true, stdio: 'ignore' });
    orphan.unref();
    const pid = orphan.pid!;
    const started = startTimeOf(pid);
    expect(processesIn(stateDir)).toEqual([pid]);
    await spawner.close();
    expect(processRunning(pid, started)).toBe(false);
    expect(processesIn(stateDir)).toEqual([]);
  });
});
