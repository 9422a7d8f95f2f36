/**
 * The docker spawner: the spawner conformance suite on containers of the lab's peer image
 * (Docker must answer: with CI=true a missing engine fails the run, never skips it).
 */
import { beforeAll } from 'vitest';
import { docker } from '../lab/runtimes/docker/docker-client.js';
import { createDockerSpawner } from '../dispatcher/spawners/docker/docker-spawner.js';
import { LABELS } from '../dispatcher/spawners/docker/container-backend.js';
import { SpawnerSecrets } from '../dispatcher/spawners/secrets.js';
import { PREPARE_TIMEOUT_MS, requireDocker } from './support/docker.js';
import { spawnerConformance } from './support/spawner-conformance.js';

beforeAll(requireDocker, PREPARE_TIMEOUT_MS);

/** Containers and networks of this state dir's spawner still on the engine. */
async function dockerLeftovers(stateDir: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${LABELS.scope}=${(await SpawnerSecrets.open(stateDir)).scope}`] });
  const [containers, networks] = await Promise.all([docker().listContainers({ all: true, filters }), docker().listNetworks({ filters })]);
  return [...containers.map((c) => `container ${c.Names[0]}`), ...networks.map((n) => `network ${n.Name}`)];
}

spawnerConformance('docker', {
  create: (stateDir, options) =>
    createDockerSpawner({ stateDir, startTimeoutMs: options?.startTimeoutMs ?? 60_000, peerArgs: ['--announce-interval', '200', '--expire-after', '2000'] }),
  leftovers: dockerLeftovers,
  timeoutMs: 120_000,
});
