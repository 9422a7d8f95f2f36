/**
 * Removing what a swarm run created, found by its `peerlab.run` label: services first
 * (each with the containers of its tasks, remove-service.ts), then the data volumes
 * (free once no container holds them), then the overlay network; and a swarm initialised
 * for it is left when nothing else runs on it. `removeSwarmRunNow` does the same
 * synchronously, best effort, for exit handlers; `sweepSwarmOrphans` removes runs whose
 * lab process died without cleaning up.
 */
import { ignoreGone, isAlive, removeLabelledNow, removeRun } from '../docker/cleanup.js';
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

/** Synchronous best effort (exit handlers): the docker CLI, by label, in the order removeSwarmRun goes. */
export function removeSwarmRunNow(runId: string): void {
  const label = `${LABEL_RUN}=${runId}`;
  removeLabelledNow(label, ['service', 'ls', '-q'], ['service', 'rm']);
  removeLabelledNow(label, ['ps', '-aq'], ['rm', '-f', '-v']);
  removeLabelledNow(label, ['volume', 'ls', '-q'], ['volume', 'rm', '-f']);
  removeLabelledNow(label, ['network', 'ls', '-q'], ['network', 'rm']);
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
