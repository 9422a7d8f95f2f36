/**
 * A StartedPeer that a spawner runs for a user (the `login` step): the lab reaches it
 * through its control API like any other peer; stopping it is a logout (the spawner
 * stops it and keeps the user's data), and starting it again is the next login. It has
 * no pause (a spawner offers none) and no crash: `kill` is a stop too.
 */
import type { ControlClient } from '../../../peer/control/control-client.js';
import { LabError } from '../../runtimes/errors.js';
import type { PeerExit, ResourceSample, StartedPeer, StoppedPeer } from '../../runtimes/runtime.js';
import { StatsSampler } from '../../runtimes/stats-sampler.js';

export class SpawnedPeer implements StartedPeer {
  readonly exited: Promise<PeerExit>;
  private ended!: (exit: PeerExit) => void;
  private readonly stats: StatsSampler;

  constructor(
    readonly name: string,
    readonly id: string,
    readonly control: ControlClient,
    private readonly logout: () => Promise<void>,
    private readonly login: () => Promise<StartedPeer>,
  ) {
    this.exited = new Promise((resolve) => (this.ended = resolve));
    this.stats = new StatsSampler(() => control);
  }

  /** The peer's own Stats: its RSS is what one user costs, whatever runs it. */
  sample(): Promise<ResourceSample> {
    return this.stats.sample();
  }

  async stop(): Promise<StoppedPeer> {
    try {
      await this.logout();
    } finally {
      this.control.close();
      this.ended({ code: 0, signal: null });
    }
    return { name: this.name, start: this.login };
  }

  kill(): Promise<StoppedPeer> {
    return this.stop();
  }

  async restart(): Promise<StartedPeer> {
    return (await this.stop()).start();
  }

  pause(): Promise<void> {
    return Promise.reject(new LabError(`${this.name} is a logged-in user's peer: a spawner cannot pause it`));
  }

  unpause(): Promise<void> {
    return this.pause();
  }

  diagnostics(): string {
    return '';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
