/**
 * The swarm runtime: the shared runtime conformance suite on swarm services (start,
 * discover over the overlay, message, kill, stop, restart as a new task with the same
 * identity, pause, resources, close), and one scenario run through the CLI on swarm with
 * discovery through an etcd task. Real Docker and a real swarm (initialised on loopback
 * when the engine is in none, and left again); with CI=true a missing Docker or swarm
 * fails, never skips. Afterwards nothing labelled with this process's pid is left and
 * the engine's swarm state is as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, LABEL_OWNER_PID } from '../lab/runtimes/docker/docker-client.js';
import type { DockerPeer } from '../lab/runtimes/docker/docker-peer.js';
import { PEER_CONTROL_PORT } from '../lab/runtimes/docker/peer-container.js';
import { SwarmRuntime } from '../lab/runtimes/swarm/swarm-runtime.js';
import { ensureSwarm, leaveSwarmIfOurs, swarmAvailable } from '../lab/runtimes/swarm/swarm-node.js';
import { updateService } from '../lab/runtimes/swarm/update-service.js';
import { leftovers, PREPARE_TIMEOUT_MS, requireDocker } from './support/docker.js';
import { readRun, reportDirs, startCli, tempDir } from './support/lab-cli.js';
import { runtimeConformance } from './support/runtime-conformance.js';

const CI = process.env.CI === 'true';
// Outside CI, an engine that is a swarm worker (or no engine) shows this file as skipped; in CI it always runs.
const answers = CI || (await swarmAvailable());
const OWNED = `${LABEL_OWNER_PID}=${process.pid}`;
let swarmBefore: string | undefined;

/** Services, containers, networks and volumes labelled `label` (`key=value`). */
async function swarmLeftovers(label: string): Promise<{ services: string[]; containers: string[]; networks: string[]; volumes: string[] }> {
  const filters = JSON.stringify({ label: [label] });
  const services = await docker().listServices({ filters }).catch(() => []);
  const volumes = (await docker().listVolumes({ filters })).Volumes ?? [];
  return { services: services.map((s) => s.Spec?.Name ?? s.ID), ...(await leftovers(label)), volumes: volumes.map((v) => v.Name) };
}
const NOTHING = { services: [], containers: [], networks: [], volumes: [] };

const swarmState = async () => ((await docker().info()) as { Swarm: { LocalNodeState: string } }).Swarm.LocalNodeState;

describe.runIf(answers)('swarm runtime', () => {
  beforeAll(async () => {
    await requireDocker();
    if (!(await swarmAvailable())) throw new Error('the swarm runtime needs this engine to be a swarm manager or in no swarm (CI=true: fails rather than skips)');
    swarmBefore = await swarmState();
  }, PREPARE_TIMEOUT_MS);

  runtimeConformance('swarm', () => SwarmRuntime.create());

  it('runs registry-discovery through the CLI: peers without multicast find each other through the etcd task, and every message arrives', async () => {
    await using out = await tempDir('peerlab-swarm-run-');
    const cli = startCli(['lab', 'run', 'scenarios/registry-discovery.yaml', '--runtime', 'swarm', '--out', out.path, '--set', 'peers=3']);
    const result = await cli.result;
    expect(result.code, result.stderr + result.stdout).toBe(0);
    // The run removed its services (peers and etcd), their containers, volumes and network.
    expect(await swarmLeftovers(`${LABEL_OWNER_PID}=${cli.child.pid}`)).toEqual(NOTHING);
    const [dir] = await reportDirs(out.path, 'registry-discovery');
    const { report, markdown } = await readRun(dir!);
    expect(report.runtime).toBe('swarm');
    expect(report.verdict).toBe('pass');
    expect(markdown).toContain('runtime `swarm`');
    // The scenario gives every peer --no-multicast: only the etcd task can have told them of each other.
    expect(report.metrics.discovery.pairs_discovered).toBe(6);
    expect(report.metrics.delivery.sent).toBeGreaterThan(0);
    expect(report.metrics.delivery.delivered).toBe(report.metrics.delivery.sent);
    // Memory from Docker stats, per task container.
    expect(report.metrics.memory.per_peer.map((p) => p.peer).sort()).toEqual(['p0', 'p1', 'p2']);
    expect(report.metrics.memory.max_rss_mb).toBeGreaterThan(1);
  }, 120_000);

  it('reaches a task on the published path (a port its node publishes, at the node\'s address), and a restart stays on the node of its data volume', async () => {
    await using runtime = await SwarmRuntime.create({ control: 'published' });
    expect(runtime.access.path).toBe('published');
    const peer = (await runtime.start({ name: 'p0', settings: {} })) as DockerPeer;
    // The node's advertise address (a swarm this runtime initialised: loopback) and a port the engine picked, not the container's own.
    const [host, port] = peer.controlAddress.split(':');
    expect(host).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(Number(port)).not.toBe(PEER_CONTROL_PORT);
    const me = await peer.control.whoami();
    expect(me.id).toBe(peer.id);
    const services = await docker().listServices({ filters: JSON.stringify({ label: [`peerlab.peer=p0`, `peerlab.run=${runtime.runId}`] }) });
    expect(services[0]!.Spec!.EndpointSpec!.Ports).toEqual([expect.objectContaining({ TargetPort: PEER_CONTROL_PORT, PublishMode: 'host' })]);

    const again = (await (await peer.kill()).start()) as DockerPeer;
    // Same volume, same identity, reached at the port its new task was given.
    expect((await again.control.whoami()).id).toBe(me.id);
    const nodeId = ((await docker().info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
    const spec = ((await docker().getService(services[0]!.ID).inspect()) as { Spec: { TaskTemplate: { Placement?: { Constraints?: string[] } } } }).Spec;
    expect(spec.TaskTemplate.Placement?.Constraints).toEqual([`node.id==${nodeId}`]);
  }, 120_000);

  it('writes a service update again when another update moved the service version meanwhile ("update out of sequence")', async () => {
    await using state = await tempDir('peerlab-swarm-update-');
    await ensureSwarm(state.path);
    // No replicas: no task, no image pulled; only the spec and its version matter here.
    const service = await docker().createService({
      Name: `peerlab-update-race-${process.pid}`,
      Labels: { [LABEL_OWNER_PID]: String(process.pid) },
      TaskTemplate: { ContainerSpec: { Image: 'peerlab-update-race:none' } },
      Mode: { Replicated: { Replicas: 0 } },
    });
    try {
      // Each reads the same version; without a second read and write all but one would fail.
      const keys = ['a', 'b', 'c', 'd'];
      await Promise.all(keys.map((key) => updateService(service.id, (spec) => ({ ...spec, Labels: { ...spec.Labels, [`race.${key}`]: key } }))));
      const labels = ((await service.inspect()) as { Spec: { Labels: Record<string, string> } }).Spec.Labels;
      expect(keys.map((key) => labels[`race.${key}`])).toEqual(keys);
      // A decision inside the change is made on what was read: a throw there is the caller's answer, not retried.
      await expect(updateService(service.id, () => { throw new Error('claimed already'); })).rejects.toThrow('claimed already');
    } finally {
      await service.remove();
      await leaveSwarmIfOurs(state.path);
    }
  }, 60_000);

  afterAll(async () => {
    // Every runtime the suite made was closed: nothing of this process is left, and a swarm initialised here is gone again.
    expect(await swarmLeftovers(OWNED)).toEqual(NOTHING);
    expect(await swarmState()).toBe(swarmBefore);
  }, 60_000);
});
