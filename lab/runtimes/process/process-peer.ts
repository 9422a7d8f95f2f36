/**
 * A StartedPeer backed by a real `peerlab peer` process on this machine: faults are
 * signals, resource samples come from the peer's own control API (Stats).
 */
import type { ControlClient } from '../../../peer/control/control-client.js';
import { cpuPercentBetween, type CpuReading } from '../../metrics/cpu.js';
import type { PeerExit, ResourceSample, StartedPeer, StoppedPeer } from '../runtime.js';
import type { StartedPeerProcess } from './peer-process.js';

/** How long a graceful stop may take before the peer is killed. */
const STOP_TIMEOUT_MS = 5_000;

/** Starts a stopped peer again; given by the runtime, which knows the data dir and ports. */
export type Relauncher = () => Promise<StartedPeer>;

/** A running peer process. */
export class ProcessPeer implements StartedPeer {
  readonly exited: Promise<PeerExit>;
  private last: CpuReading | undefined;
  private paused = false;

  constructor(
    readonly process: StartedPeerProcess,
    private readonly relaunch: Relauncher,
    readonly bootMs?: number,
  ) {
    this.exited = process.exited.then((code) => ({ code, signal: process.child.signalCode }));
  }

  get name(): string {
    return this.process.spec.name;
  }

  get id(): string {
    return this.process.id;
  }

  get control(): ControlClient {
    return this.process.control;
  }

  get pid(): number {
    return this.process.pid;
  }

  /**
   * Stats from the control API. CPU percent is timed on the peer's own clock (its uptime,
   * read with its CPU time), never by when the reply reached the lab; the first sample
   * has none, since there is no earlier reading.
   */
  async sample(): Promise<ResourceSample> {
    const stats = await this.control.stats();
    const reading = { cpuUs: Number(stats.cpuUserUs) + Number(stats.cpuSystemUs), uptimeMs: Number(stats.uptimeMs) };
    const cpuPercent = this.last && cpuPercentBetween(this.last, reading);
    this.last = reading;
    const counters = stats.counters;
    const announcementsReceived = (counters['discovery.multicast.received'] ?? 0) - (counters['discovery.multicast.self'] ?? 0);
    return {
      rssBytes: Number(stats.rssBytes),
      heapUsedBytes: Number(stats.heapUsedBytes),
      ...(cpuPercent === undefined ? {} : { cpuPercent }),
      sessionsOpen: stats.sessionsOpen,
      announcementsReceived: Number(announcementsReceived),
      uptimeMs: Number(stats.uptimeMs),
    };
  }

  async stop(): Promise<StoppedPeer> {
    this.resumeIfPaused();
    await this.process.stop(STOP_TIMEOUT_MS);
    return this.stopped();
  }

  async kill(): Promise<StoppedPeer> {
    await this.process.kill();
    return this.stopped();
  }

  async restart(): Promise<StartedPeer> {
    return (await this.stop()).start();
  }

  async pause(): Promise<void> {
    if (this.process.isRunning) this.process.child.kill('SIGSTOP');
    this.paused = true;
  }

  async unpause(): Promise<void> {
    this.resumeIfPaused();
  }

  diagnostics(): string {
    return this.process.stderr.slice(-2000);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }

  /** A stopped process cannot handle SIGTERM until it is continued. */
  private resumeIfPaused(): void {
    if (this.paused && this.process.isRunning) this.process.child.kill('SIGCONT');
    this.paused = false;
  }

  private stopped(): StoppedPeer {
    return { name: this.name, start: this.relaunch };
  }
}
