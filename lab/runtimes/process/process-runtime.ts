/**
 * The `process` runtime: every peer is a real `peerlab peer` process on loopback, its
 * multicast on a group and port of this run's own, its data in a temp dir removed at
 * close. Faults are signals; partitions and link shaping need network namespaces, which
 * this runtime does not have (the docker runtime will).
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
import { ProcessPeer } from './process-peer.js';

/**
 * Peers booting at once. A peer takes about a second of CPU to boot; starting 50 at once
 * on 2 cores starves every one of them past its ready timeout, so fresh starts queue.
 */
const MAX_BOOTING = Math.max(4, availableParallelism() * 4);

/** Steps that need a network the runtime controls. */
const UNSUPPORTED: Partial<Record<StepKind, string>> = {
  partition: 'the process runtime cannot partition peers (they share loopback); use a docker runtime',
  heal: 'the process runtime cannot partition or heal (peers share loopback); use a docker runtime',
  link: 'the process runtime cannot shape links (no netem on loopback per peer); use a docker runtime',
};

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
  readonly mechanisms: Readonly<Record<PeerFaultKind, string>> = {
    kill: 'SIGKILL', stop: 'SIGTERM', restart: 'same data dir, new process', pause: 'SIGSTOP', unpause: 'SIGCONT',
  };
  private readonly live = new Set<ProcessPeer>();
  /** Every child spawned and not yet exited, ready or not: what killAllNow must reach. */
  private readonly children = new Set<ChildProcess>();
  private closed = false;

  private constructor(
    readonly dataRoot: string,
    private readonly ownsDataRoot: boolean,
    readonly network: LoopbackNetwork,
    private readonly startTimeoutMs: number,
  ) {}

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
    return this.bootSlot(() => this.launch(spec, 0));
  }

  private booting = 0;
  private readonly bootQueue: Array<() => void> = [];

  /** Runs `boot` once fewer than MAX_BOOTING peers are booting. */
  private async bootSlot<T>(boot: () => Promise<T>): Promise<T> {
    if (this.booting >= MAX_BOOTING) await new Promise<void>((resolve) => this.bootQueue.push(resolve));
    this.booting++;
    try {
      return await boot();
    } finally {
      this.booting--;
      this.bootQueue.shift()?.();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.live].map((p) => p.kill()));
    // Peers still starting are killed too; their launch() sees `closed` and gives up.
    this.killAllNow();
    this.live.clear();
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
    const processSpec: PeerProcessSpec = {
      name: spec.name,
      dataDir: join(this.dataRoot, spec.name),
      network: this.network,
      grpcPort,
      startTimeoutMs: this.startTimeoutMs,
      keepEvents: false,
      onSpawn: (child) => {
        this.children.add(child);
        child.once('exit', () => this.children.delete(child));
      },
      settings: spec.settings,
      connectOnDiscovery: spec.connectOnDiscovery,
    };
    let child;
    try {
      child = await startPeerProcess(processSpec);
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
    const peer: ProcessPeer = new ProcessPeer(child, () => {
      this.live.delete(peer);
      return this.launch(spec, port);
    });
    this.live.add(peer);
    void peer.exited.then(() => this.live.delete(peer));
    return peer;
  }
}
