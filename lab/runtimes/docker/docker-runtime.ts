/**
 * The `docker` runtime: every peer is a container of the peer image (built or reused
 * by `peerlab lab image`), started through testcontainers on a user-defined bridge
 * network made for the run (real multicast, an address per peer), with a second network
 * for the control path that faults never cut. Faults: kill, stop, start, pause through
 * Docker; partition and link shaping in each container's network namespace
 * (net-faults.ts). `close()` removes every container and network of the run, found by
 * label; `killAllNow()` does the same synchronously for exit handlers.
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { performance } from 'node:perf_hooks';
import type { PeerFaultKind, StepKind } from '../../scenario/types.js';
import { LabError } from '../errors.js';
import type { NetworkFaults } from '../network-faults.js';
import { labPeerArgs } from '../peer-args.js';
import type { PeerSpec, Runtime, StartedPeer } from '../runtime.js';
import { removeRun, removeRunNow, sweepOrphans } from './cleanup.js';
import { assertDockerAnswers, docker } from './docker-client.js';
import { DockerPeer, type DockerPeerHost } from './docker-peer.js';
import { LogTail } from './log-tail.js';
import { DockerNetFaults, type NetPeer } from './net-faults.js';
import { canEnterNetns } from './netns.js';
import { PEER_CONTROL_PORT, PeerContainer } from './peer-container.js';
import { ensurePeerImage, type PeerImage } from './peer-image.js';
import { createRunNetworks, peerAddress, type RunNetworks } from './run-networks.js';

export interface DockerRuntimeOptions {
  /** Base image for the peer image (default node:20-slim, with the host-node fallback). */
  base?: string;
  /** How long a peer may take to print its ready line (default 60 s: 30 containers starting at once on a busy 2-core machine). */
  startTimeoutMs?: number;
  /** Progress lines (image build). */
  log?: (line: string) => void;
}

/** One peer of the run, by name, across restarts. */
interface Slot extends NetPeer {
  index: number;
  controlIp: string;
  containerId?: string;
  /** Host pid of the container's init while it runs. */
  runningPid?: number;
  live?: DockerPeer;
}

/** Peer containers on the run's own networks. */
export class DockerRuntime implements Runtime, DockerPeerHost {
  readonly name = 'docker';
  readonly mechanisms: Readonly<Record<PeerFaultKind, string>> = {
    kill: 'docker kill (SIGKILL)',
    stop: 'docker stop (SIGTERM)',
    restart: 'docker start of the same container (data and addresses kept)',
    pause: 'docker pause (cgroup freezer)',
    unpause: 'docker unpause',
  };
  readonly networkFaults: NetworkFaults & DockerNetFaults;
  readonly controlToken = randomBytes(24).toString('base64url');
  private readonly slots = new Map<string, Slot>();
  private closed = false;

  private constructor(
    readonly runId: string,
    readonly image: PeerImage,
    readonly networks: RunNetworks,
    readonly startTimeoutMs: number,
  ) {
    this.networkFaults = new DockerNetFaults(() => [...this.slots.values()]);
  }

  /** Checks Docker, sweeps what dead lab processes left, builds or reuses the image, makes the run's networks. */
  static async create(options: DockerRuntimeOptions = {}): Promise<DockerRuntime> {
    await assertDockerAnswers();
    await sweepOrphans().catch(() => undefined);
    const image = await ensurePeerImage({ ...(options.base ? { base: options.base } : {}), ...(options.log ? { log: options.log } : {}) });
    const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const networks = await createRunNetworks(runId);
    return new DockerRuntime(runId, image, networks, options.startTimeoutMs ?? 60_000);
  }

  unsupported(kind: StepKind): string | undefined {
    if ((kind === 'partition' || kind === 'heal' || kind === 'link') && !canEnterNetns()) {
      return 'partitions and link shaping run iptables/tc in each container\'s network namespace (nsenter), which needs root';
    }
    return undefined;
  }

  async start(spec: PeerSpec): Promise<StartedPeer> {
    if (this.closed) throw new LabError(`cannot start ${spec.name}: the runtime is closed`);
    const slot = this.slotFor(spec.name);
    if (slot.containerId) {
      // A peer that died on its own has no StoppedPeer: its container (data, addresses) is started again.
      const container = docker().getContainer(slot.containerId);
      if ((await container.inspect()).State.Running) throw new LabError(`${spec.name} is running already`);
      return DockerPeer.startAgain(spec.name, container, controlAddress(slot), this);
    }
    const args = labPeerArgs(spec.settings, spec.connectOnDiscovery);
    const startedAt = performance.now();
    const since = Date.now() / 1000;
    let container;
    try {
      const started = await new PeerContainer({
        image: this.image.image,
        runId: this.runId,
        name: spec.name,
        peerNet: this.networks.peer,
        peerIp: slot.peerIp,
        controlNet: this.networks.control,
        controlIp: slot.controlIp,
        controlToken: this.controlToken,
        args,
        startTimeoutMs: this.startTimeoutMs,
        onRunning: (id) => this.containerRunning(spec.name, id),
      }).start();
      container = docker().getContainer(started.getId());
    } catch (err) {
      const logs = await this.containerLogs(spec.name);
      throw new LabError(`peer ${spec.name} did not start: ${(err as Error).message}${logs ? `; output: ${logs}` : ''}`, { cause: err });
    }
    if (this.closed) throw new LabError(`cannot start ${spec.name}: the runtime is closed`);
    const logs = await LogTail.follow(container, since - 1);
    return DockerPeer.attach(spec.name, container, controlAddress(slot), logs, this, startedAt);
  }

  /** The fixed peer-network address of `name` (allocated on first use). */
  networksPeerIp(name: string): string {
    return this.slotFor(name).peerIp;
  }

  /** Peer containers of this run still running. */
  get running(): DockerPeer[] {
    return [...this.slots.values()].flatMap((s) => (s.live ? [s.live] : []));
  }

  async containerRunning(name: string, containerId: string): Promise<void> {
    const slot = this.slotFor(name);
    slot.containerId = containerId;
    slot.runningPid = (await docker().getContainer(containerId).inspect()).State.Pid;
    // Only touch namespaces when a fault needs it (nsenter needs root).
    if (this.networkFaults.active) await this.networkFaults.peerStarted(slot);
  }

  async containerStopped(name: string): Promise<void> {
    const slot = this.slots.get(name);
    if (slot) slot.runningPid = undefined;
    await this.networkFaults.peerStopped(name);
  }

  startStopped(name: string, container: Docker.Container, control: string): Promise<StartedPeer> {
    return DockerPeer.startAgain(name, container, control, this);
  }

  track(peer: DockerPeer | undefined, name: string): void {
    const slot = this.slots.get(name);
    if (!slot) return;
    if (peer) slot.live = peer;
    else slot.live = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.networkFaults.close();
    await removeRun(this.runId);
  }

  killAllNow(): void {
    this.closed = true;
    this.networkFaults.killNow();
    removeRunNow(this.runId, [...this.slots.values()].flatMap((s) => (s.containerId ? [s.containerId] : [])));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private slotFor(name: string): Slot {
    let slot = this.slots.get(name);
    if (!slot) {
      const index = this.slots.size;
      const runningPid = () => slot!.runningPid;
      slot = { index, name, peerIp: peerAddress(this.networks.peer, index), controlIp: peerAddress(this.networks.control, index), pid: runningPid };
      this.slots.set(name, slot);
    }
    return slot;
  }

  private async containerLogs(name: string): Promise<string> {
    try {
      const buf = (await docker().getContainer(`peerlab-${this.runId}-${name}`).logs({ stdout: true, stderr: true, tail: 20 })) as unknown as Buffer;
      return buf.toString('utf8').replace(/[\x00-\x08]/g, '').slice(-1000);
    } catch {
      return '';
    }
  }
}

/** HOST:PORT of a peer's control API: its address on the run's control network. */
function controlAddress(slot: { controlIp: string }): string {
  return `${slot.controlIp}:${PEER_CONTROL_PORT}`;
}
