/**
 * The sockets of discovery: the UDP multicast adapter, the registries (etcd,
 * Consul) and the gRPC clients of static seeds. What they hear goes to the core as events; when to announce,
 * and what to believe, is the core's (core/discovery-core.ts).
 */
import * as grpc from '@grpc/grpc-js';
import { PeerWireClient } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { Action } from '../core/actions.js';
import type { CoreEvent } from '../core/events.js';
import type { Counters } from '../counters.js';
import { MulticastDiscovery } from '../discovery/multicast.js';
import type { SharedMulticastReceivers } from '../discovery/multicast-receiver.js';
import type { PeerOptions } from '../options.js';
import { createRegistries } from '../registry/create-registries.js';
import type { Registry } from '../registry/registry.js';
import { grpcTarget, WIRE_GRPC_OPTIONS } from './wire-options.js';

type DiscoveryAction = Extract<Action, { type: 'multicast' | 'seed_exchange' }>;

export class DiscoveryShell {
  private multicast: MulticastDiscovery | undefined;
  private registries: Registry[] = [];
  private readonly seedClients: PeerWireClient[];

  constructor(
    private readonly options: PeerOptions,
    /** The seeds, parsed, in the order the core numbers them. */
    seeds: { host: string; port: number }[],
    private readonly counters: Counters,
    private readonly feed: (event: CoreEvent) => void,
    /** The process's shared multicast receivers, when its peers share them (peer.ts SharedParts). */
    private readonly receivers?: SharedMulticastReceivers,
  ) {
    this.seedClients = seeds.map(({ host, port }) => new PeerWireClient(grpcTarget(host, port), grpc.credentials.createInsecure(), WIRE_GRPC_OPTIONS));
  }

  /** Opens the multicast sockets, if multicast is on, and starts watching the registries. */
  async start(selfId: string): Promise<void> {
    this.registries = await createRegistries(this.options, selfId, this.counters, this.feed);
    for (const registry of this.registries) registry.start();
    const { multicast } = this.options;
    if (!multicast.enabled) return;
    this.multicast = new MulticastDiscovery({
      group: multicast.group,
      port: multicast.port,
      interfaceAddress: multicast.interfaceAddress,
      selfId,
      onAnnouncement: (heard, from) => this.feed({ type: 'announcement_heard', heard, from: from.address }),
      onSelf: (address) => this.feed({ type: 'self_address', address }),
      onError: () => this.counters.add('discovery.socket_errors'),
      ...(this.receivers ? { receivers: this.receivers } : {}),
    });
    await this.multicast.start();
  }

  async stop(): Promise<void> {
    for (const client of this.seedClients) client.close();
    await Promise.all([this.multicast?.stop(), ...this.registries.map((registry) => registry.stop())]);
  }

  execute(action: DiscoveryAction): void {
    if (action.type === 'multicast') {
      // The core's announcement goes everywhere it announces: the registries re-publish it.
      for (const registry of this.registries) registry.publish(action.packet);
      this.multicast?.send(action.packet).catch(() => this.counters.add('discovery.send_errors'));
      return;
    }
    const { seed, request, timeoutMs } = action;
    this.seedClients[seed]?.exchange(request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, reply) => {
      if (err) this.feed({ type: 'seed_failed', seed, message: err.details || err.message });
      else this.feed({ type: 'seed_replied', seed, reply });
    });
  }

  /** The multicast adapter's counters (drops by reason), named as the peer shows them. */
  multicastCounters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, value] of Object.entries(this.multicast?.counters() ?? {})) out[`discovery.multicast.${name}`] = value;
    return out;
  }
}
