/** The `swarm` spawner: a service per peer on a single-node swarm (container-spawner.ts, swarm-backend.ts). */
import { assertDockerAnswers } from '../../../lab/runtimes/docker/docker-client.js';
import { ensurePeerImage } from '../../../lab/runtimes/docker/peer-image.js';
import { ContainerSpawner, type ContainerSpawnerOptions } from '../docker/container-spawner.js';
import { SwarmBackend } from './swarm-backend.js';

export type SwarmSpawnerOptions = ContainerSpawnerOptions;

/** A swarm spawner over `options.stateDir`; initialises a single-node swarm when the engine is in none (left again by close). */
export async function createSwarmSpawner(options: SwarmSpawnerOptions): Promise<ContainerSpawner> {
  await assertDockerAnswers();
  const image = options.image ?? (await ensurePeerImage()).image;
  return ContainerSpawner.create(options, (scope) => SwarmBackend.create(scope, options.stateDir), image);
}
