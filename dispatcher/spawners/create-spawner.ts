/**
 * A spawner of any kind by name, over a state dir. Each kind is loaded only when asked
 * for: docker and swarm bring dockerode. (dispatcher/cli/make-spawner.ts can hand
 * `--spawner` to this.)
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
