/**
 * A simulated peer as the Runtime interface hands it out: lifecycle as types (a
 * StartedPeer's stop/kill give a StoppedPeer whose start brings the same identity and
 * stores back), its control API answered by its core, faults done in virtual time.
 */
import type { PeerExit, ResourceSample, StartedPeer, StoppedPeer } from '../runtime.js';
import { SimControl } from './sim-control.js';
import type { SimLoop } from './sim-loop.js';
import type { SimNode } from './sim-node.js';
import type { SimWorld } from './sim-world.js';

/** What a SimPeer needs of its runtime. */
export interface SimHost {
  world: SimWorld;
  loop: SimLoop;
  /** Why no resources are sampled (sample() rejects with it). */
  unsampled: string;
  /** Runs `fn` in the loop at the current virtual time; resolves with its result. */
  inLoop<T>(fn: () => T): Promise<T>;
}

export class SimPeer implements StartedPeer {
  readonly control: SimControl;
  readonly exited: Promise<PeerExit>;

  constructor(
    private readonly host: SimHost,
    private readonly node: SimNode,
  ) {
    this.control = new SimControl(host.world, host.loop, node);
    this.exited = node.exited;
  }

  get name(): string {
    return this.node.name;
  }

  get id(): string {
    return this.node.id;
  }

  sample(): Promise<ResourceSample> {
    return Promise.reject(new Error(this.host.unsampled));
  }

  async stop(): Promise<StoppedPeer> {
    await this.host.inLoop(() => this.host.world.stop(this.node));
    return this.stopped();
  }

  async kill(): Promise<StoppedPeer> {
    await this.host.inLoop(() => this.host.world.kill(this.node));
    return this.stopped();
  }

  async restart(): Promise<StartedPeer> {
    return (await this.stop()).start();
  }

  async pause(): Promise<void> {
    await this.host.inLoop(() => this.host.world.pause(this.node));
  }

  async unpause(): Promise<void> {
    await this.host.inLoop(() => this.host.world.unpause(this.node));
  }

  /** Why it crashed on its own, if it did (a core that threw). */
  diagnostics(): string {
    return this.node.crashReport;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }

  private stopped(): StoppedPeer {
    const { host, node } = this;
    return {
      name: node.name,
      async start(): Promise<StartedPeer> {
        await host.inLoop(() => host.world.start(node));
        return new SimPeer(host, node);
      },
    };
  }
}
