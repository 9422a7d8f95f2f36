/**
 * The swarm the swarm spawner and the swarm lab runtime run on: the engine's own when it
 * is in one; otherwise a single-node swarm initialised here, on loopback (listen and
 * advertise 127.0.0.1), and left again once no service runs on it, so the engine ends as
 * it was found. Whether it was initialised here is kept in a state dir, so a spawner or
 * runtime made again over it still knows to leave.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { docker } from '../docker/docker-client.js';
import { writeFileAtomic } from '../../../peer/store/atomic-file.js';
import { LabError } from '../errors.js';

/** The network a swarm init creates; removed on leave when it was not there before. */
const GWBRIDGE = 'docker_gwbridge';

interface InitRecord {
  /** Whether docker_gwbridge existed before the init. */
  gwbridgeExisted: boolean;
}

const recordPath = (stateDir: string) => join(stateDir, 'swarm-init.json');

/** The engine's swarm state: `active` (a manager here), `inactive`, or another Docker word. */
async function swarmState(): Promise<{ state: string; manager: boolean }> {
  const info = (await docker().info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  return { state: info.Swarm?.LocalNodeState ?? 'inactive', manager: info.Swarm?.ControlAvailable ?? false };
}

/** Makes sure the engine is a swarm manager: joins nothing, initialises a single-node swarm when it is in none. */
export async function ensureSwarm(stateDir: string): Promise<void> {
  const { state, manager } = await swarmState();
  if (state === 'active') {
    if (!manager) throw new LabError('this Docker engine is a swarm worker: the swarm spawner and runtime need a manager (run the dispatcher or the lab on a manager node)');
    return;
  }
  if (state !== 'inactive') throw new LabError(`this Docker engine's swarm is ${state}; the swarm spawner and runtime need an active swarm or none`);
  const gwbridgeExisted = (await docker().listNetworks({ filters: JSON.stringify({ name: [GWBRIDGE] }) })).some((n) => n.Name === GWBRIDGE);
  await writeFileAtomic(recordPath(stateDir), JSON.stringify({ gwbridgeExisted } satisfies InitRecord), 0o600);
  try {
    await docker().swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' });
  } catch (err) {
    // Initialised meanwhile (a second spawner or run): fine; anything else is not.
    if ((await swarmState()).state !== 'active') throw new LabError(`docker swarm init failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Leaves the swarm when it was initialised with this state dir and no service is left on it. */
export async function leaveSwarmIfOurs(stateDir: string): Promise<void> {
  let record: InitRecord;
  try {
    record = JSON.parse(await readFile(recordPath(stateDir), 'utf8')) as InitRecord;
  } catch {
    return;
  }
  if ((await swarmState()).state === 'active') {
    if ((await docker().listServices()).length > 0) return;
    await docker().swarmLeave({ force: true });
  }
  // The engine lets go of its gateway network a moment after the leave.
  for (const end = Date.now() + 10_000; !record.gwbridgeExisted; ) {
    const removed = await docker().getNetwork(GWBRIDGE).remove().then(() => true, (err: { statusCode?: number }) => err.statusCode === 404);
    if (removed || Date.now() > end) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await rm(recordPath(stateDir), { force: true });
}

/** leaveSwarmIfOurs, synchronously and best effort, for exit handlers (the docker CLI). */
export function leaveSwarmIfOursNow(stateDir: string): void {
  const cli = (args: string[]) => execFileSync('docker', args, { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const record = JSON.parse(readFileSync(recordPath(stateDir), 'utf8')) as InitRecord;
    if (cli(['service', 'ls', '-q']).trim() !== '') return;
    cli(['swarm', 'leave', '--force']);
    rmSync(recordPath(stateDir), { force: true });
    // The engine may hold its gateway network a moment longer: then it stays (harmless).
    if (!record.gwbridgeExisted) cli(['network', 'rm', GWBRIDGE]);
  } catch {
    // not ours, the engine is gone, or the gateway network is still held: best effort
  }
}

/** True when the engine answers as a swarm manager (the swarm tests run only then, or with CI=true). */
export async function swarmAvailable(): Promise<boolean> {
  try {
    const { state, manager } = await swarmState();
    return (state === 'active' && manager) || state === 'inactive';
  } catch {
    return false;
  }
}
