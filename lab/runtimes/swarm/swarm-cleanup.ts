/**
 * Removing what a swarm run created, found by its `peerlab.run` label: services first
 * (each with the containers of its tasks, remove-service.ts), then the data volumes
 * (free once no container holds them), then the overlay network; and a swarm initialised
 * for it is left when nothing else runs on it. `removeSwarmRunNow` does the same
 * synchronously, best effort, for exit handlers; `sweepSwarmOrphans` removes runs whose
 * lab process died without cleaning up.
 */
import { execFileSync } from 'node:child_process';
import { ignoreGone, isAlive, removeRun } from '../docker/cleanup.js';
import { docker, LABEL_OWNER_PID, LABEL_RUN } from '../docker/docker-client.js';
import { removeService } from './remove-service.js';

/** On each task's container: which service it belongs to (remove-service.ts waits for these to go). */
export const LABEL_SERVICE = 'peerlab.service';

/** Removes every service, container, volume and network labelled with `runId`. */
export async function removeSwarmRun(runId: string): Promise<void> {
  const filters = JSON.stringify({ label: [`${LABEL_RUN}=${runId}`] });
  const services = await docker().listServices({ filters }).catch(notASwarm);
  await Promise.all(services.map((s) => removeService(s.ID, `${LABEL_SERVICE}=${s.Spec?.Name ?? ''}`)));
  // Containers (stragglers) and networks; the overlay may hold a task's endpoint for a moment.
  for (let attempt = 0; ; attempt++) {
    await removeRun(runId);
    const volumes = (await docker().listVolumes({ filters })).Volumes ?? [];
    await Promise.all(volumes.map((v) => docker().getVolume(v.Name).remove().catch(ignoreGone)));
    const left = await docker().listNetworks({ filters });
    if (left.length === 0 || attempt >= 20) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Synchronous best effort (exit handlers): the docker CLI, by label. */
export function removeSwarmRunNow(runId: string): void {
  const label = `label=${LABEL_RUN}=${runId}`;
  const ids = (args: string[]) => {
    try {
      return execFileSync('docker', args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).split(/\s+/).filter(Boolean);
    } catch {
      return [];
    }
  };
  const quietly = (args: string[]) => {
    try {
      execFileSync('docker', args, { stdio: 'ignore', timeout: 20_000 });
    } catch { /* gone already, or no CLI */ }
  };
  const services = ids(['service', 'ls', '-q', '--filter', label]);
  if (services.length > 0) quietly(['service', 'rm', ...services]);
  const containers = ids(['ps', '-aq', '--filter', label]);
  if (containers.length > 0) quietly(['rm', '-f', '-v', ...containers]);
  const volumes = ids(['volume', 'ls', '-q', '--filter', label]);
  if (volumes.length > 0) quietly(['volume', 'rm', '-f', ...volumes]);
  const networks = ids(['network', 'ls', '-q', '--filter', label]);
  if (networks.length > 0) quietly(['network', 'rm', ...networks]);
}

/** Removes swarm runs whose lab process is gone; returns their ids. */
export async function sweepSwarmOrphans(): Promise<string[]> {
  const filters = JSON.stringify({ label: [LABEL_OWNER_PID] });
  const runs = new Map<string, number>();
  for (const s of await docker().listServices({ filters }).catch(notASwarm)) runs.set(s.Spec?.Labels?.[LABEL_RUN] ?? '', Number(s.Spec?.Labels?.[LABEL_OWNER_PID]));
  const orphans = [...runs].filter(([run, pid]) => run !== '' && !isAlive(pid)).map(([run]) => run);
  for (const run of orphans) await removeSwarmRun(run);
  return orphans;
}

/** Not a swarm (503): then there are no services. */
function notASwarm(err: { statusCode?: number }): never[] {
  if (err.statusCode === 503) return [];
  throw err;
}
