/**
 * Removing what a swarm run created, found by its `peerlab.run` label: services first
 * (each with the containers of its tasks, remove-service.ts), then the data volumes
 * (free once no container holds them), then the overlay network; and a swarm initialised
 * for it is left when nothing else runs on it. `removeSwarmRunNow` does the same
 * synchronously, best effort, for exit handlers; `sweepSwarmOrphans` removes runs whose
 * lab process died without cleaning up. On a swarm of several nodes, the other nodes'
 * engines (`--swarm-engine`) are visited for the containers and volumes left there.
 */
import type Docker from 'dockerode';
import { ignoreGone, isAlive, removeLabelledNow, removeRun } from '../docker/cleanup.js';
import { docker, LABEL_OWNER_PID, LABEL_RUN } from '../docker/docker-client.js';
import { removeService } from './remove-service.js';

/** On each task's container: which service it belongs to (remove-service.ts waits for these to go). */
export const LABEL_SERVICE = 'peerlab.service';

/** Removes every service, container, volume and network labelled with `runId`, also on `otherEngines`. */
export async function removeSwarmRun(runId: string, otherEngines: readonly Docker[] = []): Promise<void> {
  const filters = JSON.stringify({ label: [`${LABEL_RUN}=${runId}`] });
  const services = await docker().listServices({ filters }).catch(notASwarm);
  await Promise.all(services.map((s) => removeService(s.ID, `${LABEL_SERVICE}=${s.Spec?.Name ?? ''}`)));
  // Containers (stragglers) and networks; the overlay may hold a task's endpoint for a moment.
  for (let attempt = 0; ; attempt++) {
    await removeRun(runId);
    const volumesInUse = await Promise.all([docker(), ...otherEngines].map((engine) => removeVolumes(engine, filters)));
    const left = await docker().listNetworks({ filters });
    if ((left.length === 0 && volumesInUse.every((n) => n === 0)) || attempt >= 20) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Removes the run's volumes on `engine`; returns how many are still in use (a task's container may still hold one). */
async function removeVolumes(engine: Docker, filters: string): Promise<number> {
  const volumes = (await engine.listVolumes({ filters })).Volumes ?? [];
  const inUse = await Promise.all(
    volumes.map((v) =>
      engine.getVolume(v.Name).remove().then(
        () => false,
        (err: { statusCode?: number }) => {
          ignoreGone(err); // anything but gone (404) or in use (409) is thrown
          return err.statusCode === 409;
        },
      ),
    ),
  );
  return inUse.filter(Boolean).length;
}

/** Synchronous best effort (exit handlers): the docker CLI, by label, in the order removeSwarmRun goes; `otherEngines` are URLs. */
export function removeSwarmRunNow(runId: string, otherEngines: readonly string[] = []): void {
  const label = `${LABEL_RUN}=${runId}`;
  removeLabelledNow(label, ['service', 'ls', '-q'], ['service', 'rm']);
  for (const engine of [undefined, ...otherEngines]) {
    removeLabelledNow(label, ['ps', '-aq'], ['rm', '-f', '-v'], engine);
    removeLabelledNow(label, ['volume', 'ls', '-q'], ['volume', 'rm', '-f'], engine);
  }
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
