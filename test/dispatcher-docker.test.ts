/**
 * `peerlab dispatcher --spawner docker`: the real command over the docker spawner. A warm
 * container goes to the first login, the second user's container is started for them,
 * each user's page is proxied from their own container's web UI, and the dispatcher's
 * stop leaves the containers running for the next one (as with processes); a spawner
 * over the same state dir removes them. With CI=true a missing Docker fails, never skips.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../lab/runtimes/docker/docker-client.js';
import { LABELS } from '../dispatcher/spawners/docker/container-backend.js';
import { createDockerSpawner } from '../dispatcher/spawners/docker/docker-spawner.js';
import { SpawnerSecrets } from '../dispatcher/spawners/secrets.js';
import { http, login } from './support/dispatcher-client.js';
import { dispatcherSetup, startDispatcherProcess, untilReady, type DispatcherProcess, type DispatcherSetup } from './support/dispatcher-process.js';
import { PREPARE_TIMEOUT_MS, requireDocker } from './support/docker.js';

beforeAll(requireDocker, PREPARE_TIMEOUT_MS);

let setup: DispatcherSetup | undefined;
let running: DispatcherProcess | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
  if (setup) await (await createDockerSpawner({ stateDir: setup.stateDir, startTimeoutMs: 60_000 })).close({ removeData: true });
  await setup?.cleanUp();
  setup = undefined;
});

/** Containers of this state dir's spawner on the engine, by name. */
async function containersOf(stateDir: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${LABELS.scope}=${(await SpawnerSecrets.open(stateDir)).scope}`] });
  return (await docker().listContainers({ all: true, filters })).map((c) => c.Names[0] ?? c.Id);
}

describe('peerlab dispatcher --spawner docker', () => {
  it('pool 1: two users log in, each gets a container of their own serving their page; the containers outlive the dispatcher', { timeout: 240_000 }, async () => {
    setup = await dispatcherSetup({ alice: {}, bob: {} });
    // The last --spawner wins over the process one the helper passes.
    running = await startDispatcherProcess(setup, ['--spawner', 'docker', '--pool', '1', '--start-timeout', '120s']);
    expect(running.events[0]).toMatchObject({ type: 'ready', spawner: 'docker' });
    await running.waitForEvent('vacant', () => true, 120_000);
    const alice = await login(running.url, 'alice', 'pw-alice');
    const bob = await login(running.url, 'bob', 'pw-bob');
    await untilReady(running, alice, 'alice', 120_000);
    await untilReady(running, bob, 'bob', 120_000);

    const starts = running.events.filter((e) => e.type === 'start');
    expect(starts.map((e) => e.type === 'start' && e.user).sort()).toEqual(['alice', 'bob']);
    expect(new Set(starts.map((e) => e.type === 'start' && e.instanceId)).size).toBe(2);
    expect(starts.filter((e) => e.type === 'start' && e.fromPool)).toHaveLength(1);

    for (const [user, cookie] of [['alice', alice], ['bob', bob]] as const) {
      const page = await http(running.url, 'GET', `/u/${user}/`, { cookie });
      expect(page.status, page.body.slice(0, 300)).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
    }
    // Bob's session does not open alice's container.
    expect((await http(running.url, 'GET', '/u/alice/', { cookie: bob })).status).toBe(403);

    const before = await containersOf(setup.stateDir);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(await running.stop()).toBe(0);
    expect(await containersOf(setup.stateDir)).toEqual(before);
  });
});
