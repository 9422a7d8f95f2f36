/**
 * The `swarm` runtime: every lab peer is a Docker Swarm service of the peer image (one
 * replica, peer-service.ts) on an attachable overlay network made for the run. Peers
 * find each other by multicast on the overlay (one node), or through an etcd task beside
 * them for a `registry: etcd` scenario (any number of nodes). The lab drives each peer's
 * control API on a path faults never touch (task-access.ts: the task's docker_gwbridge
 * address on one node, a port its node publishes on several). Faults act on the task's
 * container through the engine of its node (swarm-engines.ts): kill, stop and pause; a
 * killed or stopped peer comes back as a new task of its service on the node of its data
 * volume; partitions and link shaping in its network namespace (docker/net-faults.ts),
 * for tasks on this machine. A swarm is initialised on loopback when the engine is in none
 * and left again at close; everything is labelled and removed on close and by
 * killAllNow.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PeerFaultKind, StepKind } from '../../scenario/types.js';
import { LabError } from '../errors.js';
import type { NetworkFaults } from '../network-faults.js';
import { labPeerArgs } from '../peer-args.js';
import { randomLoopbackNetwork } from '../process/peer-process.js';
import type { PeerSpec, Runtime, RuntimeRegistry, StartedPeer } from '../runtime.js';
import { assertDockerAnswers, docker } from '../docker/docker-client.js';
import { DockerPeer, type DockerPeerHost } from '../docker/docker-peer.js';
import { LogTail } from '../docker/log-tail.js';
import { DockerNetFaults, type NetPeer } from '../docker/net-faults.js';
import { canEnterNetns } from '../docker/netns.js';
import { ensurePeerImage, type PeerImage } from '../docker/peer-image.js';
import { createNetwork, usedPrefixes, type RunNetwork } from '../docker/run-networks.js';
import { EtcdTask } from './etcd-task.js';
import { ensureEtcdImage } from './etcd-image.js';
import { peerService } from './peer-service.js';
import { PEER_CONTROL_PORT } from '../docker/peer-container.js';
import { SwarmEngines, type NodeEngine } from './swarm-engines.js';
import { TaskAccess, type ControlChoice } from './task-access.js';
import { copyImageToNodes } from './node-images.js';
import { forceNewTask, tasksOf } from './service-task.js';
import { newRunningTask } from './task-waits.js';
import { removeSwarmRun, removeSwarmRunNow, sweepSwarmOrphans } from './swarm-cleanup.js';
import { ensureSwarm, leaveSwarmIfOurs, leaveSwarmIfOursNow } from './swarm-node.js';

export interface SwarmRuntimeOptions {
  /** Base image for the peer image (default node:20-slim, with the host-node fallback). */
  base?: string;
  /** How long a peer's task may take to run and print its ready line (default 90 s: 30 tasks scheduled at once on 2 cores). */
  startTimeoutMs?: number;
  /** Progress lines (image build, swarm init). */
  log?: (line: string) => void;
  /** The Docker engine of each other node, by hostname or id (`--swarm-engine NODE=URL`). */
  engines?: Record<string, string>;
  /** How the lab reaches tasks (`--swarm-control`, task-access.ts); auto: gateway on one node, published on more. */
  control?: ControlChoice;
}

/** The settings a user gives on the command line (`--swarm-engine`, `--swarm-control`). */
export type SwarmSettings = Pick<SwarmRuntimeOptions, 'engines' | 'control'>;

/**
 * Where the runtime notes that it initialised the swarm, shared by every swarm run on this
 * machine: the last run to close with no service left leaves it, whichever run made it.
 */
export const SWARM_STATE_DIR = join(tmpdir(), 'peerlab-swarm-runtime');

/** One peer of the run, by name, across its tasks. */
interface Slot extends NetPeer {
  serviceId?: string;
  /** The node of its data volume (its first task's) and that node's engine. */
  nodeId?: string;
  engine?: NodeEngine;
  /** The container of its latest task. */
  containerId?: string;
  runningPid?: number;
  live?: DockerPeer;
}

/** Lab peers as swarm services. */
export class SwarmRuntime implements Runtime, DockerPeerHost {
  readonly name = 'swarm';
  readonly mechanisms: Readonly<Record<PeerFaultKind, string>> = {
    kill: 'docker kill of the task container (SIGKILL; restart condition none keeps it down)',
    stop: 'docker stop of the task container (SIGTERM)',
    restart: 'a new task of the same service (service update --force), same data volume',
    pause: 'docker pause of the task container (cgroup freezer)',
    unpause: 'docker unpause',
  };
  readonly networkFaults: NetworkFaults & DockerNetFaults;
  readonly controlToken = randomBytes(24).toString('base64url');
  /** Every peer of the run shares a multicast group of its own (the overlay is the run's, but docker_gwbridge is shared). */
  private readonly multicast = randomLoopbackNetwork();
  private readonly slots = new Map<string, Slot>();
  private registry: EtcdTask | undefined;
  private closed = false;

  private constructor(
    readonly runId: string,
    readonly image: PeerImage,
    readonly network: RunNetwork,
    readonly access: TaskAccess,
    readonly startTimeoutMs: number,
    private readonly log: (line: string) => void,
  ) {
    // A slot whose first task never ran has no address to name in a rule.
    this.networkFaults = new DockerNetFaults(() => [...this.slots.values()].filter((s) => s.peerIp !== ''));
  }

  /** Checks Docker, sweeps dead runs, joins or initialises the swarm, builds or reuses the image, makes the run's overlay. */
  static async create(options: SwarmRuntimeOptions = {}): Promise<SwarmRuntime> {
    const log = options.log ?? (() => {});
    await assertDockerAnswers();
    await sweepSwarmOrphans().catch(() => undefined);
    await mkdir(SWARM_STATE_DIR, { recursive: true });
    await ensureSwarm(SWARM_STATE_DIR);
    const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    try {
      const access = new TaskAccess(await SwarmEngines.discover(options.engines), options.control);
      const image = await ensurePeerImage({ ...(options.base ? { base: options.base } : {}), log });
      await copyImageToNodes(image.image, access.engines.named, log);
      if (access.engines.size > 1) log(`swarm of ${access.engines.size} nodes: the lab reaches tasks on the ${access.path} path`);
      const network = await createNetwork(runId, 'peer', 215, await usedPrefixes(), 'overlay');
      return new SwarmRuntime(runId, image, network, access, options.startTimeoutMs ?? 90_000, log);
    } catch (err) {
      await removeSwarmRun(runId).catch(() => undefined);
      await leaveSwarmIfOurs(SWARM_STATE_DIR).catch(() => undefined);
      throw err;
    }
  }

  unsupported(kind: StepKind): string | undefined {
    if ((kind === 'partition' || kind === 'heal' || kind === 'link') && !canEnterNetns()) {
      return 'partitions and link shaping run iptables/tc in each task container\'s network namespace (nsenter), which needs root';
    }
    if ((kind === 'partition' || kind === 'heal' || kind === 'link') && this.access.engines.anyRemote) {
      return 'partitions and link shaping enter each task container\'s network namespace on this machine, and --swarm-engine names an engine reached over the network (tasks on other machines)';
    }
    return undefined;
  }

  async startRegistry(kind: 'etcd'): Promise<RuntimeRegistry> {
    if (this.registry) throw new LabError(`the run's ${kind} is running already`);
    const image = await ensureEtcdImage(this.image.base, this.log);
    await copyImageToNodes(image, this.access.engines.named, this.log);
    this.registry = await EtcdTask.start(this.runId, image, this.network.name, this.access);
    return this.registry;
  }

  async start(spec: PeerSpec): Promise<StartedPeer> {
    this.assertOpen(spec.name);
    const slot = this.slotFor(spec.name);
    if (slot.live) throw new LabError(`${spec.name} is running already`);
    if (slot.serviceId) return this.newTask(spec.name); // died on its own: its service gets a new task
    const startedAt = performance.now();
    const created = await docker().createService(
      peerService({
        runId: this.runId,
        name: spec.name,
        image: this.image.image,
        network: this.network.name,
        controlToken: this.controlToken,
        hostPorts: this.access.hostPorts(PEER_CONTROL_PORT),
        args: ['--multicast-group', this.multicast.group, '--multicast-port', String(this.multicast.port), ...labPeerArgs(spec.settings, spec.connectOnDiscovery)],
      }),
    );
    slot.serviceId = created.id;
    return this.attachTask(spec.name, new Set(), startedAt);
  }

  startStopped(name: string): Promise<StartedPeer> {
    return this.newTask(name);
  }

  /** A new task of the peer's service (its last one was killed or stopped). */
  private async newTask(name: string): Promise<StartedPeer> {
    this.assertOpen(name);
    const slot = this.slotFor(name);
    const serviceId = slot.serviceId!;
    const before = new Set((await tasksOf(serviceId)).map((t) => t.ID));
    const startedAt = performance.now();
    await forceNewTask(serviceId, slot.nodeId);
    return this.attachTask(name, before, startedAt);
  }

  /** Waits for the service's new task, its ready line and its control API. */
  private async attachTask(name: string, before: ReadonlySet<string>, startedAt: number): Promise<StartedPeer> {
    const slot = this.slotFor(name);
    const task = await newRunningTask(slot.serviceId!, before, this.startTimeoutMs, `peer ${name}`);
    const { engine, container, address } = await this.access.reach(task, PEER_CONTROL_PORT, `peer ${name}`);
    slot.nodeId = task.nodeId;
    slot.engine = engine;
    // A task's container is new: its log from the start holds the ready line.
    const logs = await LogTail.follow(container, 0);
    try {
      await this.containerRunning(name, task.containerId);
      await logs.ready(this.startTimeoutMs, name);
      this.assertOpen(name);
      return await DockerPeer.attach(name, container, address, logs, this, startedAt);
    } catch (err) {
      const output = logs.text().slice(-1000);
      logs.close();
      await container.kill().catch(() => undefined);
      throw err instanceof LabError ? err : new LabError(`peer ${name} did not start: ${(err as Error).message}${output ? `; output: ${output}` : ''}`, { cause: err });
    }
  }

  /** Peers of this run still running. */
  get running(): DockerPeer[] {
    return [...this.slots.values()].flatMap((s) => (s.live ? [s.live] : []));
  }

  async containerRunning(name: string, containerId: string): Promise<void> {
    const slot = this.slotFor(name);
    const engine = slot.engine ?? { docker: docker(), onThisMachine: true };
    const info = await engine.docker.getContainer(containerId).inspect();
    slot.containerId = containerId;
    // A pid from another machine's engine names some other process here: nsenter must never get it.
    slot.runningPid = engine.onThisMachine ? info.State.Pid : undefined;
    const address = info.NetworkSettings.Networks[this.network.name]?.IPAddress;
    if (!address) throw new LabError(`${name}: its task container ${containerId.slice(0, 12)} has no address on ${this.network.name}`);
    const moved = slot.peerIp !== address;
    slot.peerIp = address;
    if (!this.networkFaults.active) return;
    // A new task may have a new address: the others' partition rules name it, so every running peer is brought up to date.
    if (moved) await Promise.all([...this.slots.values()].filter((s) => s.peerIp !== '').map((s) => this.networkFaults.peerStarted(s)));
    else await this.networkFaults.peerStarted(slot);
  }

  async containerStopped(name: string): Promise<void> {
    const slot = this.slots.get(name);
    if (slot) slot.runningPid = undefined;
    await this.networkFaults.peerStopped(name);
  }

  track(peer: DockerPeer | undefined, name: string): void {
    const slot = this.slots.get(name);
    if (slot) slot.live = peer;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.access.engines.size > 1) this.log(`peers by node: ${await this.placement()}`);
    await this.networkFaults.close();
    await removeSwarmRun(this.runId, this.access.engines.named.map((e) => e.docker));
    await leaveSwarmIfOurs(SWARM_STATE_DIR);
  }

  killAllNow(): void {
    this.closed = true;
    this.networkFaults.killNow();
    removeSwarmRunNow(this.runId, this.access.engines.named.map((e) => e.url));
    leaveSwarmIfOursNow(SWARM_STATE_DIR);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Where the peers' data volumes are, by node hostname: "node-a: p0 p2; node-b: p1". */
  private async placement(): Promise<string> {
    const byNode = new Map<string, string[]>();
    for (const slot of this.slots.values()) {
      if (slot.nodeId === undefined) continue;
      const host = (await this.access.engines.node(slot.nodeId).catch(() => undefined))?.hostname ?? slot.nodeId.slice(0, 12);
      byNode.set(host, [...(byNode.get(host) ?? []), slot.name]);
    }
    return [...byNode].sort(([a], [b]) => a.localeCompare(b)).map(([host, names]) => `${host}: ${names.join(' ')}`).join('; ') || 'none started';
  }

  private assertOpen(name: string): void {
    if (this.closed) throw new LabError(`cannot start ${name}: the runtime is closed`);
  }

  private slotFor(name: string): Slot {
    let slot = this.slots.get(name);
    if (!slot) {
      const runningPid = () => slot!.runningPid;
      slot = { name, peerIp: '', pid: runningPid };
      this.slots.set(name, slot);
    }
    return slot;
  }
}

