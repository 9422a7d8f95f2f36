/**
 * The swarm spawner: the spawner conformance suite on swarm services. Runs where a swarm
 * answers (the engine is a manager, or in no swarm: then one is initialised on loopback
 * and left again); with CI=true a missing Docker fails, never skips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../lab/runtimes/docker/docker-client.js';
import { LABELS } from '../dispatcher/spawners/docker/container-backend.js';
import { SpawnerSecrets } from '../dispatcher/spawners/secrets.js';
import { createSwarmSpawner } from '../dispatcher/spawners/swarm/swarm-spawner.js';
import { swarmAvailable } from '../lab/runtimes/swarm/swarm-node.js';
import { randomLoopbackNetwork } from '../lab/runtimes/process/peer-process.js';
import { PREPARE_TIMEOUT_MS, requireDocker } from './support/docker.js';
import { spawnerConformance } from './support/spawner-conformance.js';

const CI = process.env.CI === 'true';
// Outside CI, an engine that is a swarm worker (or no engine) shows this file as skipped; in CI it always runs.
const answers = CI || (await swarmAvailable());
/** How the engine was found: it must end the same. */
let swarmBefore: string | undefined;

beforeAll(async () => {
  await requireDocker();
  swarmBefore = ((await docker().info()) as { Swarm: { LocalNodeState: string } }).Swarm.LocalNodeState;
}, PREPARE_TIMEOUT_MS);

/** Tasks share the engine's default bridge: each state dir's peers get a multicast group of their own. */
const groups = new Map<string, string[]>();
function groupOf(stateDir: string): string[] {
  const network = randomLoopbackNetwork();
  if (!groups.has(stateDir)) groups.set(stateDir, ['--multicast-group', network.group, '--multicast-port', String(network.port)]);
  return groups.get(stateDir)!;
}

async function swarmLeftovers(stateDir: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${LABELS.scope}=${(await SpawnerSecrets.open(stateDir)).scope}`] });
  const services = await docker().listServices({ filters }).catch(() => []);
  const containers = await docker().listContainers({ all: true, filters });
  return [...services.map((s) => `service ${s.Spec?.Name}`), ...containers.map((c) => `container ${c.Names[0]}`)];
}

describe.runIf(answers)('swarm', () => {
  spawnerConformance('swarm', {
    create: (stateDir, options) =>
      createSwarmSpawner({ stateDir, startTimeoutMs: options?.startTimeoutMs ?? 60_000, peerArgs: [...groupOf(stateDir), '--announce-interval', '200', '--expire-after', '2000'] }),
    leftovers: swarmLeftovers,
    timeoutMs: 180_000,
  });

  afterAll(async () => {
    // Left as found: a swarm initialised here is gone again.
    const after = ((await docker().info()) as { Swarm: { LocalNodeState: string } }).Swarm.LocalNodeState;
    expect(after).toBe(swarmBefore);
  });
});

