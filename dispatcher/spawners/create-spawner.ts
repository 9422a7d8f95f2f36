/**
 * A spawner of any kind by name (`peerlab dispatcher --spawner`, the lab's login step),
 * over a state dir where it keeps its own files: its key, instance records, users' data.
 * Each kind is loaded only when asked for: docker and swarm bring dockerode.
 */
import type { InspectableSpawner } from './spawner-extras.js';
import type { Spawner, SpawnerOptions } from './spawner.js';

export interface CreateSpawnerOptions extends SpawnerOptions {
  /** `peerlab peer` flags every peer gets after the spawner's own (a multicast group, settings). */
  peerArgs?: string[];
}

export async function createSpawner(kind: Spawner['kind'], options: CreateSpawnerOptions): Promise<InspectableSpawner> {
  switch (kind) {
    case 'process': {
      const { ProcessSpawner } = await import('./process/process-spawner.js');
      return ProcessSpawner.create(options);
    }
    case 'docker': {
      const { createDockerSpawner } = await import('./docker/docker-spawner.js');
      return createDockerSpawner(options);
    }
    case 'swarm': {
      const { createSwarmSpawner } = await import('./swarm/swarm-spawner.js');
      return createSwarmSpawner(options);
    }
  }
}
