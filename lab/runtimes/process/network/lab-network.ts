/**
 * The path between the process runtime's peers, owned by the lab: one TCP proxy for
 * peer-to-peer gRPC and one multicast relay for discovery, sharing one fault state
 * (the partition's groups, each peer's egress shape). Runs in a worker thread of the lab
 * (see network-thread.ts), so its timers do not queue behind the lab's own work.
 */
import { seededRandom } from '../../../scenario/random.js';
import type { LinkShape } from '../../network-faults.js';
import { AnnouncementRelay } from './announcement-relay.js';
import { Egress, seedOf } from './egress.js';
import { LinkProxy, type LinkInfo, type LinkPolicy } from './link-proxy.js';

/** Where the run's peers announce (each peer on a port of its own in this group). */
export interface LabNetworkOptions {
  multicastGroup: string;
}

/** Commands the runtime sends (over the worker boundary), and what each answers. */
export type NetworkCommand =
  | { op: 'peer'; name: string; multicastPort?: number; grpcPort?: number }
  | { op: 'partition'; groups: string[][] }
  | { op: 'heal' }
  | { op: 'shape'; peers: string[]; shape: LinkShape }
  | { op: 'reset'; peers: string[] }
  | { op: 'links' };

export interface NetworkAnswers {
  peer: null;
  partition: { reset: number };
  heal: { released: number };
  shape: null;
  reset: { reset: number };
  links: { links: LinkInfo[]; held: number; relay: AnnouncementRelay['counts'] };
}

export class LabNetwork implements LinkPolicy {
  private readonly egresses = new Map<string, Egress>();
  /** Each peer's group index while a partition holds; a peer in no group is in group -1. */
  private groups: Map<string, number> | undefined;

  private constructor(
    readonly proxy: LinkProxy,
    private readonly relay: AnnouncementRelay,
  ) {}

  static async start(options: LabNetworkOptions): Promise<LabNetwork> {
    let network: LabNetwork | undefined;
    const policy: LinkPolicy = { egressOf: (name) => network!.egressOf(name), isCut: (a, b) => network!.isCut(a, b) };
    const proxy = await LinkProxy.start(policy);
    const relay = await AnnouncementRelay.start(options.multicastGroup, policy).catch(async (err: unknown) => {
      await proxy.close();
      throw err;
    });
    network = new LabNetwork(proxy, relay);
    return network;
  }

  egressOf(name: string): Egress {
    let egress = this.egresses.get(name);
    if (!egress) {
      egress = new Egress(seededRandom(seedOf(name)));
      this.egresses.set(name, egress);
    }
    return egress;
  }

  isCut(a: string, b: string): boolean {
    return this.groups !== undefined && (this.groups.get(a) ?? -1) !== (this.groups.get(b) ?? -1);
  }

  /** Carries out one command. */
  async handle(command: NetworkCommand): Promise<NetworkAnswers[NetworkCommand['op']]> {
    switch (command.op) {
      case 'peer':
        if (command.multicastPort !== undefined) await this.relay.addPeer(command.name, command.multicastPort);
        if (command.grpcPort !== undefined) this.proxy.setPeerPort(command.name, command.grpcPort);
        return null;
      case 'partition':
        this.groups = new Map(command.groups.flatMap((group, i) => group.map((name) => [name, i] as const)));
        // A partition replacing another may join groups that were apart.
        this.proxy.releaseHeld();
        return { reset: this.proxy.applyCut() };
      case 'heal':
        this.groups = undefined;
        return { released: this.proxy.releaseHeld() };
      case 'shape':
        for (const name of command.peers) this.egressOf(name).setShape(command.shape);
        return null;
      case 'reset':
        return { reset: this.proxy.reset(new Set(command.peers)) };
      case 'links':
        return { links: this.proxy.linkInfo(), held: this.proxy.heldCount, relay: { ...this.relay.counts } };
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.proxy.close(), this.relay.close()]);
  }
}
