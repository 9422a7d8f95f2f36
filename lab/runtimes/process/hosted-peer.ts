/**
 * A StartedPeer that is one of many peers in a `peerlab host` process. Its faults are the
 * Host service's: kill crashes this peer alone (sockets destroyed, nothing queued written
 * or fsynced), stop is graceful, pause holds its events unhandled; the process and the
 * other peers in it go on (lab/runtimes/process/README.md, "Peers in a host"). Memory
 * and CPU are the process's, shared out evenly among the peers running in it.
 */
import type { ControlClient } from '../../../peer/control/control-client.js';
import type { HostStatsResponse } from '../../../peer/control/host-client.js';
import { cpuPercentBetween, type CpuReading } from '../../metrics/cpu.js';
import type { PeerExit, ResourceSample, StartedPeer, StoppedPeer } from '../runtime.js';
import type { StartedHostProcess } from './host-process.js';

/** How a hosted peer ended when the lab ended it: there is no process exit of its own, so the signal names what was done. */
export const HOSTED_EXIT = {
  stop: { code: 0, signal: null },
  kill: { code: null, signal: 'hosted-crash' },
} as const satisfies Record<string, PeerExit>;

/** The host's Stats, shared by every peer of the host sampled in the same moment (one call, not one per peer). */
export class SharedHostStats {
  private pending: Promise<HostStatsResponse> | undefined;

  constructor(private readonly host: StartedHostProcess) {}

  read(): Promise<HostStatsResponse> {
    this.pending ??= this.host.client.stats().finally(() => setTimeout(() => (this.pending = undefined), 100).unref());
    return this.pending;
  }
}

export class HostedPeer implements StartedPeer {
  readonly exited: Promise<PeerExit>;
  private endWith: (exit: PeerExit) => void = () => {};
  private last: CpuReading | undefined;
  private done = false;

  constructor(
    readonly name: string,
    readonly id: string,
    readonly host: StartedHostProcess,
    readonly control: ControlClient,
    private readonly stats: SharedHostStats,
    private readonly relaunch: () => Promise<StartedPeer>,
    readonly bootMs: number,
  ) {
    this.exited = new Promise((resolve) => (this.endWith = resolve));
    // The host process going away takes this peer with it.
    void host.exited.then(({ code, signal }) => this.end({ code, signal }));
  }

  /** This peer's share of the host: the process's memory and CPU over the peers running in it, and its own sessions and announcements. */
  async sample(): Promise<ResourceSample> {
    const stats = await this.stats.read();
    const running = Math.max(1, stats.peersRunning);
    const own = stats.peers.find((p) => p.name === this.name);
    const reading = { cpuUs: (Number(stats.cpuUserUs) + Number(stats.cpuSystemUs)) / running, uptimeMs: Number(stats.uptimeMs) };
    const cpuPercent = this.last && cpuPercentBetween(this.last, reading);
    this.last = reading;
    return {
      rssBytes: Math.round(Number(stats.rssBytes) / running),
      heapUsedBytes: Math.round(Number(stats.heapUsedBytes) / running),
      ...(cpuPercent === undefined ? {} : { cpuPercent }),
      ...(own ? { sessionsOpen: own.sessionsOpen, announcementsReceived: Number(own.announcementsReceived), uptimeMs: Number(own.uptimeMs) } : {}),
    };
  }

  async stop(): Promise<StoppedPeer> {
    await this.end(HOSTED_EXIT.stop, () => this.host.client.stop(this.name, 'graceful'));
    return this.stopped();
  }

  async kill(): Promise<StoppedPeer> {
    await this.end(HOSTED_EXIT.kill, () => this.host.client.stop(this.name, 'crash'));
    return this.stopped();
  }

  async restart(): Promise<StartedPeer> {
    return (await this.stop()).start();
  }

  async pause(): Promise<void> {
    await this.host.client.pause(this.name);
  }

  async unpause(): Promise<void> {
    await this.host.client.unpause(this.name);
  }

  diagnostics(): string {
    return this.host.stderr.slice(-2000);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }

  /** Ends this peer once: asks the host (unless the host is gone already), then resolves `exited`. */
  private async end(exit: PeerExit, ask?: () => Promise<unknown>): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      if (ask && this.host.isRunning) await ask();
    } finally {
      this.control.close();
      this.endWith(exit);
    }
  }

  private stopped(): StoppedPeer {
    return { name: this.name, start: this.relaunch };
  }
}
