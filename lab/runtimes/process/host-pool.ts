/**
 * The `peerlab host` processes of a run: each takes up to `peersPerProcess` peers, a new
 * one starts when every host is full, and a peer that comes back (restart) comes back in
 * the host it was in, where its data dir is. Hosted peers are started through the host's
 * Host service; each is a HostedPeer.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import type { PeerSpec, StartedPeer } from '../runtime.js';
import { startHostProcess, type StartedHostProcess } from './host-process.js';
import { HostedPeer, SharedHostStats } from './hosted-peer.js';
import type { LoopbackNetwork } from './peer-process.js';

export interface HostPoolOptions {
  dataRoot: string;
  network: LoopbackNetwork;
  /** How long a host process may take to print its ready line. */
  hostStartTimeoutMs: number;
  /** Called with every host process spawned (so the runtime can kill it on exit). */
  onSpawn(child: ChildProcess): void;
  /** Runs a boot (a host process, a peer in a host) when the runtime's pacer allows. */
  paced<T>(boot: () => Promise<T>): Promise<T>;
}

interface Host {
  process: Promise<StartedHostProcess>;
  stats?: SharedHostStats;
  /** Peers placed in it (running or down): they come back here. */
  placed: number;
}

export class HostPool {
  private readonly hosts: Host[] = [];
  private readonly placement = new Map<string, Host>();
  private closed = false;

  constructor(private readonly options: HostPoolOptions) {}

  /** Host processes started so far. */
  get size(): number {
    return this.hosts.length;
  }

  /** Starts `spec`'s peer in a host with room (or the host it was in), asking for `grpcPort` (0: any). */
  async start(spec: PeerSpec, perProcess: number, grpcPort: number, relaunch: (port: number) => Promise<StartedPeer>): Promise<StartedPeer> {
    const host = this.placement.get(spec.name) ?? this.place(spec, perProcess);
    const process = await host.process;
    if (!process.isRunning) throw new LabError(`cannot start ${spec.name}: its host process (pid ${process.pid}) has exited; stderr: ${process.stderr.slice(-500)}`);
    host.stats ??= new SharedHostStats(process);
    const timeoutMs = spec.readyTimeoutMs ?? this.options.hostStartTimeoutMs;
    return this.options.paced(async () => {
      const began = performance.now();
      let started;
      try {
        started = await process.client.start(spec.name, grpcPort, timeoutMs);
      } catch (err) {
        throw new LabError(`peer ${spec.name} did not start in host pid ${process.pid} within ${timeoutMs} ms: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      if (this.closed) throw new LabError(`cannot start ${spec.name}: the runtime is closed`);
      const bootMs = Math.round(performance.now() - began);
      // A host of many peers on a loaded machine answers late: calls get as long as a start may take.
      const control = process.client.peer(spec.name, Math.max(10_000, timeoutMs));
      return new HostedPeer(spec.name, started.id, process, control, host.stats!, () => relaunch(started.grpcPort), bootMs);
    });
  }

  /** Stops every host process (SIGKILL: the run is over, its data is removed next). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.hosts.map(async (h) => (await h.process).kill()));
  }

  /** A host with room for one more peer, started if every host is full. */
  private place(spec: PeerSpec, perProcess: number): Host {
    if (this.closed) throw new LabError(`cannot start ${spec.name}: the runtime is closed`);
    let host = this.hosts.find((h) => h.placed < perProcess);
    if (!host) {
      const index = this.hosts.length;
      host = { placed: 0, process: this.options.paced(() => this.spawn(index, spec)) };
      this.hosts.push(host);
    }
    host.placed++;
    this.placement.set(spec.name, host);
    return host;
  }

  private spawn(index: number, spec: PeerSpec): Promise<StartedHostProcess> {
    return startHostProcess({
      name: `h${index}`,
      dataRoot: join(this.options.dataRoot, `host-${index}`),
      network: this.options.network,
      settings: spec.settings,
      connectOnDiscovery: spec.connectOnDiscovery,
      startTimeoutMs: this.options.hostStartTimeoutMs,
      // Loopback never goes through a proxy an inherited http_proxy names.
      env: { no_grpc_proxy: '127.0.0.0/8,localhost' },
      onSpawn: (child) => this.options.onSpawn(child),
    }).catch((err: unknown) => {
      throw new LabError(`host process h${index} did not start: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
  }
}
