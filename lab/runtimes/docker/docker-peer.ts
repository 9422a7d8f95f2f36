/**
 * A StartedPeer backed by a container: faults through the Docker API (kill, stop,
 * start, pause), resource samples from Docker stats, the control API reached on the
 * container's control address (docker: its control-network address; swarm: its
 * docker_gwbridge address, or the port its node publishes). A stopped peer is the same container, stopped:
 * starting it again keeps its data (identity, outbox) and its addresses.
 */
import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import { ControlClient } from '../../../peer/control/control-client.js';
import { LabError } from '../errors.js';
import type { PeerExit, ResourceSample, StartedPeer, StoppedPeer } from '../runtime.js';
import { ContainerSampler } from './container-stats.js';
import { LogTail } from './log-tail.js';

/** How long `docker stop` waits before SIGKILL, seconds. */
const STOP_GRACE_S = 5;
/** How long the heap reading (control API) may take inside a sample. */
const HEAP_DEADLINE_MS = 1_000;

/** What a peer container needs from its runtime. */
export interface DockerPeerHost {
  readonly controlToken: string;
  readonly startTimeoutMs: number;
  /** The container is running again (a fresh network namespace): re-apply network faults. */
  containerRunning(name: string, containerId: string): Promise<void>;
  /** The container stopped: drop what lived in its namespace. */
  containerStopped(name: string): Promise<void>;
  /** Tracks live peers (for close and killAllNow). */
  track(peer: DockerPeer | undefined, name: string): void;
  /** Starts a stopped peer again, same identity and data (docker: the same container; swarm: a new task of its service). */
  startStopped(name: string, container: Docker.Container, controlAddress: string): Promise<StartedPeer>;
}

/** A running peer container. */
export class DockerPeer implements StartedPeer {
  readonly exited: Promise<PeerExit>;
  readonly control: ControlClient;
  private readonly sampler: ContainerSampler;
  private signal: string | null = null;
  private paused = false;
  private heapClient: ControlClient;

  private constructor(
    readonly name: string,
    readonly id: string,
    readonly container: Docker.Container,
    /** HOST:PORT of its control API. */
    readonly controlAddress: string,
    private readonly logs: LogTail,
    private readonly host: DockerPeerHost,
    startedAt: number,
  ) {
    this.control = new ControlClient(controlAddress, host.controlToken);
    this.heapClient = new ControlClient(controlAddress, host.controlToken, HEAP_DEADLINE_MS);
    this.sampler = new ContainerSampler(container, startedAt, async () => Number((await this.heapClient.stats()).heapUsedBytes));
    this.exited = container.wait().then(
      (r: { StatusCode: number }) => ({ code: r.StatusCode, signal: this.signal ?? signalOf(r.StatusCode) }),
      () => ({ code: null, signal: this.signal }),
    );
    void this.exited.then(() => {
      this.logs.close();
      this.control.close();
      this.heapClient.close();
      host.track(undefined, name);
      return host.containerStopped(name);
    });
  }

  /** Wraps a container whose peer is ready: learns its id over the control API. */
  static async attach(name: string, container: Docker.Container, controlAddress: string, logs: LogTail, host: DockerPeerHost, startedAt: number): Promise<DockerPeer> {
    const probe = new ControlClient(controlAddress, host.controlToken);
    try {
      const me = await probe.whoami();
      const peer = new DockerPeer(name, me.id, container, controlAddress, logs, host, startedAt);
      host.track(peer, name);
      return peer;
    } catch (err) {
      throw new LabError(`${name}: ready, but its control API at ${controlAddress} does not answer: ${(err as Error).message}`, { cause: err });
    } finally {
      probe.close();
    }
  }

  /** Starts a stopped container again and waits for its ready line. */
  static async startAgain(name: string, container: Docker.Container, controlAddress: string, host: DockerPeerHost): Promise<DockerPeer> {
    const since = Date.now() / 1000;
    await container.start();
    const startedAt = performance.now();
    const logs = await LogTail.follow(container, since);
    try {
      await host.containerRunning(name, container.id);
      await logs.ready(host.startTimeoutMs, name);
      return await DockerPeer.attach(name, container, controlAddress, logs, host, startedAt);
    } catch (err) {
      logs.close();
      await container.kill().catch(() => undefined);
      throw err instanceof LabError ? err : new LabError(`peer ${name} did not start again: ${(err as Error).message}`, { cause: err });
    }
  }

  sample(): Promise<ResourceSample> {
    return this.sampler.sample();
  }

  async stop(): Promise<StoppedPeer> {
    this.signal = null;
    // A frozen peer cannot handle SIGTERM: thaw it first, or every stop takes the grace period.
    if (this.paused) await this.unpause().catch(() => undefined);
    await this.container.stop({ t: STOP_GRACE_S }).catch(notRunning);
    await this.exited;
    return this.stopped();
  }

  async kill(): Promise<StoppedPeer> {
    this.signal = 'SIGKILL';
    await this.container.kill({ signal: 'SIGKILL' }).catch(notRunning);
    await this.exited;
    return this.stopped();
  }

  async restart(): Promise<StartedPeer> {
    return (await this.stop()).start();
  }

  async pause(): Promise<void> {
    await this.container.pause();
    this.paused = true;
  }

  async unpause(): Promise<void> {
    await this.container.unpause();
    this.paused = false;
  }

  diagnostics(): string {
    return this.logs.text();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }

  private stopped(): StoppedPeer {
    const { name, container, controlAddress, host } = this;
    return { name, start: () => host.startStopped(name, container, controlAddress) };
  }
}

/** docker-init exits 128+n when its child died of signal n. */
function signalOf(code: number): string | null {
  return code === 137 ? 'SIGKILL' : code === 143 ? 'SIGTERM' : null;
}

/** 304 (already stopped) and 409 (not running) mean the peer is already down. */
function notRunning(err: { statusCode?: number }): void {
  if (err.statusCode !== 304 && err.statusCode !== 409) throw err;
}
