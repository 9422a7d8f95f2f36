/**
 * A StartedPeer backed by a real `peerlab peer` process on this machine: faults are
 * signals, resource samples come from the peer's own control API (Stats).
 */
import type { ControlClient } from '../../../peer/control/control-client.js';
import type { PeerExit, ResourceSample, StartedPeer, StoppedPeer } from '../runtime.js';
import { StatsSampler } from '../stats-sampler.js';
import type { StartedPeerProcess } from './peer-process.js';

/** How long a graceful stop may take before the peer is killed. */
const STOP_TIMEOUT_MS = 5_000;

/** Starts a stopped peer again; given by the runtime, which knows the data dir and ports. */
export type Relauncher = () => Promise<StartedPeer>;

/** A running peer process. */
export class ProcessPeer implements StartedPeer {
  readonly exited: Promise<PeerExit>;
  private readonly stats = new StatsSampler(() => this.control);
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

  /** Stats from the control API (stats-sampler.ts). */
  sample(): Promise<ResourceSample> {
    return this.stats.sample();
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
