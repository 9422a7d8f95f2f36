/**
 * The `process` runtime: every peer is a real `peerlab peer` process on loopback, its
 * multicast on a group and port of this run's own, its data in a temp dir removed at
 * close. Peer faults are signals. Network faults (partition, heal, link) go through the
 * lab's own path between the peers (network/: a TCP proxy their grpc-js dials through
 * and a multicast relay, in a worker thread), which is put in place only for runs that
 * use them; otherwise peers connect directly.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { PeerFaultKind, StepKind } from '../../scenario/types.js';
import { LabError } from '../errors.js';
import type { PeerSpec, Runtime, StartedPeer } from '../runtime.js';
import { PEERLAB_CLI, randomLoopbackNetwork, startPeerProcess, type LoopbackNetwork, type PeerProcessSpec } from './peer-process.js';
import { NetworkThread } from './network/network-thread.js';
import { ProcessNetFaults } from './process-net-faults.js';
import { HostPool } from './host-pool.js';
import { ProcessPeer } from './process-peer.js';
import { StartPacer } from './start-pacer.js';

/**
 * How many peers boot at once: readiness-driven (start-pacer.ts). A peer process takes
 * about a second of CPU to boot, so a start within 2 s means the machine has room for
 * one more at once, and one over 5 s that it has too many; it begins at 2 per core and
 * never exceeds 16 per core (file descriptors, ports and memory of boots in flight).
 */
function startPacer(): StartPacer {
  const cores = availableParallelism();
  return new StartPacer({ initial: 2 * cores, max: 16 * cores, quickMs: 2_000, slowMs: 5_000 });
}

/** The mechanisms of peer faults for a peer in a `peerlab host` (hosted-peer.ts). */
const HOSTED_MECHANISMS: Readonly<Record<PeerFaultKind, string>> = {
  kill: 'crash of the hosted peer (Host.StopPeer CRASH: sockets destroyed, nothing queued written)',
  stop: 'graceful stop of the hosted peer (Host.StopPeer)',
  restart: 'same data dir, same host process (Host.StartPeer)',
  pause: 'hosted peer\'s events held unhandled (Host.PausePeer)',
  unpause: 'held events handed on (Host.UnpausePeer)',
};

/** Steps this runtime cannot do: none (network faults go through the lab's network). */
const UNSUPPORTED: Partial<Record<StepKind, string>> = {};

/**
 * grpc-js takes its proxy from the environment (grpc_proxy, else https_proxy/http_proxy)
 * unless no_grpc_proxy (else no_proxy) lists the target. A peer on the lab's path gets
 * the proxy with its own name as the URL's user, and a no_grpc_proxy that matches
 * nothing (an empty one would fall back to an inherited no_proxy=127.0.0.1); a direct
 * peer gets loopback in no_grpc_proxy, so an inherited http_proxy never catches it.
 */
function proxyEnv(name: string, proxyPort: number | undefined): Record<string, string> {
  if (proxyPort === undefined) return { no_grpc_proxy: '127.0.0.0/8,localhost' };
  return { grpc_proxy: `http://${encodeURIComponent(name)}@127.0.0.1:${proxyPort}`, no_grpc_proxy: 'peerlab.invalid' };
}

export interface ProcessRuntimeOptions {
  /** Where peers' data dirs go; a fresh temp dir by default (removed at close). */
  dataRoot?: string;
  network?: LoopbackNetwork;
  /** How long a peer may take to print its ready line. */
  startTimeoutMs?: number;
}

/** Real peer processes on this machine. */
export class ProcessRuntime implements Runtime {
  readonly name = 'process';
  private static readonly PROCESS_MECHANISMS: Readonly<Record<PeerFaultKind, string>> = {
    kill: 'SIGKILL', stop: 'SIGTERM', restart: 'same data dir, new process', pause: 'SIGSTOP', unpause: 'SIGCONT',
  };
  /** How faults are done: by signals, or through the Host service once the run hosts its peers. */
  get mechanisms(): Readonly<Record<PeerFaultKind, string>> {
    return this.hosts.size > 0 ? HOSTED_MECHANISMS : ProcessRuntime.PROCESS_MECHANISMS;
  }
  /** Partitions, shaping and resets, through the lab's network (when the run has it). */
  readonly networkFaults = new ProcessNetFaults(() => this.thread);
  private readonly live = new Set<ProcessPeer>();
  private thread: NetworkThread | undefined;
  private threadStarting: Promise<NetworkThread> | undefined;
  /** Each peer's own multicast port on the lab's network (the relay forwards between them). */
  private readonly multicastPorts = new Map<string, number>();
  /** Every child spawned and not yet exited, ready or not: what killAllNow must reach. */
  private readonly children = new Set<ChildProcess>();
  private closed = false;
  private readonly pacer = startPacer();
  /** `peerlab host` processes, for peers started with peersPerProcess > 1. */
  private readonly hosts: HostPool;

  private constructor(
    readonly dataRoot: string,
    private readonly ownsDataRoot: boolean,
    readonly network: LoopbackNetwork,
    private readonly startTimeoutMs: number,
  ) {
    this.hosts = new HostPool({
      dataRoot,
      network,
      hostStartTimeoutMs: startTimeoutMs,
      onSpawn: (child) => this.track(child),
      paced: (boot) => this.pacer.run(boot),
    });
  }

  /** Checks that the peer CLI is built and makes the run's data dir. */
  static async create(options: ProcessRuntimeOptions = {}): Promise<ProcessRuntime> {
    if (!existsSync(PEERLAB_CLI)) {
      throw new LabError(`the peer CLI is not built: ${relative(process.cwd(), PEERLAB_CLI) || PEERLAB_CLI} is missing; run \`npm run build\` first`);
    }
    const dataRoot = options.dataRoot ?? (await mkdtemp(join(tmpdir(), 'peerlab-run-')));
    return new ProcessRuntime(dataRoot, options.dataRoot === undefined, options.network ?? randomLoopbackNetwork(), options.startTimeoutMs ?? 20_000);
  }

  unsupported(kind: StepKind): string | undefined {
    return UNSUPPORTED[kind];
  }

  start(spec: PeerSpec): Promise<StartedPeer> {
    const perProcess = spec.peersPerProcess ?? 1;
    if (perProcess > 1) {
      // The lab's proxy and relay tell links apart by process (its environment, its multicast port).
      if (spec.linkFaults) {
        return Promise.reject(new LabError(`cannot run ${spec.name} in a host of ${perProcess} peers: this run partitions, shapes or resets links, which needs a process per peer (set runtime.peers_per_process: 1)`));
      }
      return this.startHosted(spec, perProcess, 0);
    }
    return this.pacer.run(() => this.launch(spec, 0));
  }

  /** Boots allowed at once now (the pacer's limit), for progress and tests. */
  get startConcurrency(): number {
    return this.pacer.limit;
  }

  private startHosted(spec: PeerSpec, perProcess: number, grpcPort: number): Promise<StartedPeer> {
    if (this.closed) return Promise.reject(new LabError(`cannot start ${spec.name}: the runtime is closed`));
    return this.hosts.start(spec, perProcess, grpcPort, (port) => this.startHosted(spec, perProcess, port));
  }

  private track(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.live].map((p) => p.kill()));
    await this.hosts.close();
    // Peers still starting are killed too; their launch() sees `closed` and gives up.
    this.killAllNow();
    this.live.clear();
    const thread = this.thread ?? (await this.threadStarting?.catch(() => undefined));
    await thread?.close();
    if (this.ownsDataRoot) await rm(this.dataRoot, { recursive: true, force: true });
  }

  killAllNow(): void {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Starts the peer; a restart asks for its old gRPC port so peers that know it reconnect at once. */
  private async launch(spec: PeerSpec, grpcPort: number): Promise<StartedPeer> {
    if (this.closed) throw new LabError(`cannot start ${spec.name}: the runtime is closed`);
    const path = spec.linkFaults ? await this.labNetwork() : undefined;
    const network = path ? { group: this.network.group, port: this.multicastPortOf(spec.name) } : this.network;
    // The relay listens before the peer's first announcement.
    await path?.send({ op: 'peer', name: spec.name, multicastPort: network.port });
    const processSpec: PeerProcessSpec = {
      name: spec.name,
      dataDir: join(this.dataRoot, spec.name),
      network,
      env: proxyEnv(spec.name, path?.proxyPort),
      grpcPort,
      startTimeoutMs: spec.readyTimeoutMs ?? this.startTimeoutMs,
      keepEvents: false,
      onSpawn: (child) => this.track(child),
      settings: spec.settings,
      connectOnDiscovery: spec.connectOnDiscovery,
    };
    let child;
    let bootMs = 0;
    const launchedAt = performance.now();
    try {
      child = await startPeerProcess(processSpec);
      bootMs = Math.round(performance.now() - launchedAt);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Someone took the old port while the peer was down: any free port will do.
      if (grpcPort !== 0 && /cannot listen|EADDRINUSE/.test(message)) return this.launch(spec, 0);
      throw new LabError(`peer ${spec.name} did not start: ${message}`, { cause: err });
    }
    if (this.closed) {
      // close() ran while this peer was starting: it must not outlive the runtime.
      await child.kill();
      throw new LabError(`cannot start ${spec.name}: the runtime is closed`);
    }
    const port = child.ready.grpcPort;
    // The proxy learns whose port this is: CONNECTs to it are links to this peer.
    await path?.send({ op: 'peer', name: spec.name, grpcPort: port });
    const peer: ProcessPeer = new ProcessPeer(child, () => {
      this.live.delete(peer);
      return this.launch(spec, port);
    }, bootMs);
    this.live.add(peer);
    void peer.exited.then(() => this.live.delete(peer));
    return peer;
  }

  /** The run's network thread, started on first use (one per run, whatever the number of peers). */
  private async labNetwork(): Promise<NetworkThread> {
    this.threadStarting ??= NetworkThread.start({ multicastGroup: this.network.group }).then((thread) => {
      this.thread = thread;
      return thread;
    });
    this.threadStarting.catch(() => (this.threadStarting = undefined));
    return this.threadStarting;
  }

  /** A peer's own multicast port: the run's port + 1 + its place in start order, the same across restarts. */
  private multicastPortOf(name: string): number {
    let port = this.multicastPorts.get(name);
    if (port === undefined) {
      port = this.network.port + 1 + this.multicastPorts.size;
      this.multicastPorts.set(name, port);
    }
    return port;
  }
}
