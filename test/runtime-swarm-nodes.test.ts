/**
 * The swarm runtime across two nodes: a real two-node swarm built on this machine by
 * scripts/swarm-two-nodes.sh (two more Docker engines, each in a network namespace of
 * its own, joined as manager and worker; the host's engine is not touched). The lab runs
 * on neither node: it talks to the swarm through the manager's engine (DOCKER_HOST),
 * to the worker's task containers through `--swarm-engine`, and to every peer's control
 * API on the port its node publishes. Peers on both nodes find each other through the
 * run's etcd task (multicast does not cross nodes), carry direct messages while two of
 * them are killed and restarted, and every message arrives. The nodes start with no
 * image: the run builds its images on the manager and copies them to the worker. With
 * CI=true a missing Docker, root or namespace tool fails, never skips.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL_OWNER_PID } from '../lab/runtimes/docker/docker-client.js';
import { PREPARE_TIMEOUT_MS, requireDocker } from './support/docker.js';
import { readRun, reportDirs, startCli, tempDir } from './support/lab-cli.js';

const run = promisify(execFile);
const SCRIPT = 'scripts/swarm-two-nodes.sh';
const CI = process.env.CI === 'true';
const canBuild = CI || (process.getuid?.() === 0 && (await run('ip', ['netns', 'list']).then(() => true, () => false)));

/** A swarm-churn in small: four peers, two of them killed and brought back under load. */
const SCENARIO = `name: two-nodes
seed: 5
registry: etcd
peer:
  announce_interval: 500ms
  expire_after: 3s
steps:
  - start: { count: 4 }
  - wait_for: { condition: discovered, timeout: 60s, label: found through etcd across nodes }
  - load: { rate: 10, duration: 12s, size: 128, background: true }
  - kill: { peers: [1, 2] }
  - restart: { peers: [1, 2] }
  - wait_for: { condition: delivered, timeout: 90s }
slos:
  - delivery_ratio == 1
  - delivery.duplicates == 0
`;

let nodes: Record<string, string> = {};

/** Services, containers and volumes labelled `label` on one node's engine. */
async function leftOn(socketPath: string, label: string): Promise<string[]> {
  const engine = new Docker({ socketPath });
  const filters = JSON.stringify({ label: [label] });
  const [containers, volumes] = await Promise.all([engine.listContainers({ all: true, filters }), engine.listVolumes({ filters })]);
  const services = socketPath === nodes.MANAGER_SOCK ? await engine.listServices({ filters }) : [];
  return [...services.map((s) => `service ${s.Spec?.Name}`), ...containers.map((c) => `container ${c.Names[0]}`), ...(volumes.Volumes ?? []).map((v) => `volume ${v.Name}`)];
}

describe.runIf(canBuild)('swarm runtime on two nodes', () => {
  beforeAll(async () => {
    await requireDocker();
    const up = await run('bash', [SCRIPT, 'up'], { maxBuffer: 1 << 20 }).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`${SCRIPT} up failed (it needs root, iproute2, util-linux and dockerd): ${err.stderr?.slice(-2000) ?? err.message}`);
    });
    nodes = Object.fromEntries(up.stdout.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
    expect(Object.keys(nodes)).toEqual(expect.arrayContaining(['MANAGER_SOCK', 'WORKER_SOCK', 'WORKER_NODE']));
  }, PREPARE_TIMEOUT_MS);

  it('refuses, before it makes anything, a swarm with a node that takes tasks and has no engine named', async () => {
    const cli = startCli(['lab', 'run', 'scenarios/registry-discovery.yaml', '--runtime', 'swarm', '--set', 'peers=2'], { DOCKER_HOST: `unix://${nodes.MANAGER_SOCK}` });
    const result = await cli.result;
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`the swarm may place peers on ${nodes.WORKER_NODE} (${nodes.WORKER_ADDR}), and the lab has no Docker engine for it: name each with --swarm-engine`);
    expect(await leftOn(nodes.MANAGER_SOCK!, `${LABEL_OWNER_PID}=${cli.child.pid}`)).toEqual([]);
  }, 60_000);

  it('runs peers on both nodes: control on published ports, faults and stats through each node\'s engine, discovery through etcd, every message delivered', async () => {
    await using out = await tempDir('peerlab-swarm-nodes-');
    const file = join(out.path, 'two-nodes.yaml');
    await writeFile(file, SCENARIO);
    const cli = startCli(
      ['lab', 'run', file, '--runtime', 'swarm', '--out', out.path, '--swarm-engine', `${nodes.WORKER_NODE}=unix://${nodes.WORKER_SOCK}`],
      { DOCKER_HOST: `unix://${nodes.MANAGER_SOCK}` },
    );
    const result = await cli.result;
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stderr).toContain('swarm of 2 nodes: the lab reaches tasks on the published path');
    // No registry: the images built on the manager went to the worker with the run.
    expect(result.stderr).toMatch(new RegExp(`copying peerlab-peer:\\w+ to node ${nodes.WORKER_NODE}`));
    expect(result.stderr).toMatch(new RegExp(`copying peerlab-etcd:\\w+ to node ${nodes.WORKER_NODE}`));
    // The swarm spread the peers: each node holds some of them (and the restarts stayed on their volume's node).
    const placement = /peers by node: (.*)/.exec(result.stderr)?.[1] ?? '';
    const byNode = Object.fromEntries(placement.split('; ').map((part) => part.split(': ') as [string, string]));
    expect(Object.keys(byNode).sort(), placement).toEqual([nodes.MANAGER_NODE, nodes.WORKER_NODE].sort());
    expect(Object.values(byNode).flatMap((names) => names.split(' ')).sort()).toEqual(['p0', 'p1', 'p2', 'p3']);

    const [dir] = await reportDirs(out.path, 'two-nodes');
    const { report } = await readRun(dir!);
    expect(report.verdict).toBe('pass');
    // --no-multicast on every peer: only the etcd task told them of each other, across the nodes.
    expect(report.metrics.discovery.pairs_discovered).toBe(12);
    expect(report.metrics.delivery.sent).toBeGreaterThan(0);
    expect(report.metrics.delivery.delivered).toBe(report.metrics.delivery.sent);
    // Docker stats of every peer's container, on whichever node it ran.
    expect(report.metrics.memory.per_peer.map((p) => p.peer).sort()).toEqual(['p0', 'p1', 'p2', 'p3']);
    for (const p of report.metrics.memory.per_peer) expect(p.max_rss_mb, p.peer).toBeGreaterThan(1);

    // The run removed what it made on both nodes.
    const owned = `${LABEL_OWNER_PID}=${cli.child.pid}`;
    expect(await leftOn(nodes.MANAGER_SOCK!, owned)).toEqual([]);
    expect(await leftOn(nodes.WORKER_SOCK!, owned)).toEqual([]);
  }, 300_000);

  afterAll(async () => {
    await run('bash', [SCRIPT, 'down'], { maxBuffer: 1 << 20 });
  }, PREPARE_TIMEOUT_MS);
});
