/** The `docker` spawner: containers of the lab's peer image, one per user (container-spawner.ts, docker-backend.ts). */
import { assertDockerAnswers } from '../../../lab/runtimes/docker/docker-client.js';
import { ensurePeerImage } from '../../../lab/runtimes/docker/peer-image.js';
import { ContainerSpawner, type ContainerSpawnerOptions } from './container-spawner.js';
import { DockerBackend } from './docker-backend.js';

export type DockerSpawnerOptions = ContainerSpawnerOptions;

/** A docker spawner over `options.stateDir`; builds (or reuses) the peer image when none is given. */
export async function createDockerSpawner(options: DockerSpawnerOptions): Promise<ContainerSpawner> {
  await assertDockerAnswers();
  const image = options.image ?? (await ensurePeerImage()).image;
  return ContainerSpawner.create(options, (scope) => DockerBackend.create(scope), image);
}
