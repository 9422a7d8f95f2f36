/**
 * Partitions, link shapes and resets on the simulated network: the same NetworkFaults
 * the process and docker runtimes offer, done in SimNetwork and SimWorld.
 */
import { formatBandwidth } from '../../scenario/bandwidth.js';
import { isUnshaped, type LinkShape, type NetworkFaultResult, type NetworkFaults } from '../network-faults.js';
import { RETRANSMIT_MS, type SimNetwork } from './sim-network.js';
import type { SimWorld } from './sim-world.js';

const SIM = 'simulated network';

/** A link shape as the report shows it. */
function describeShape(shape: LinkShape): string {
  if (isUnshaped(shape)) return `${SIM}: shaping removed`;
  const parts: string[] = [];
  if (shape.delayMs > 0 || shape.jitterMs > 0) parts.push(`+${+shape.delayMs.toFixed(3)}ms ±${+shape.jitterMs.toFixed(3)}ms`);
  if (shape.bandwidthBps! > 0) parts.push(formatBandwidth(shape.bandwidthBps!));
  if (shape.loss > 0) parts.push(`loss ${+(shape.loss * 100).toFixed(3)}% (announcements dropped, stream packets +${RETRANSMIT_MS}ms)`);
  return `${SIM}: ${parts.join(', ')}`;
}

export class SimNetFaults implements NetworkFaults {
  constructor(
    private readonly world: SimWorld,
    private readonly network: SimNetwork,
  ) {}

  async partition(groups: string[][]): Promise<NetworkFaultResult> {
    this.network.partition(groups);
    const reset = this.world.cutUnreachable();
    return { mechanism: `${SIM}: sessions across the cut reset, new connections and announcements across it dropped`, counts: { connectionsReset: reset } };
  }

  async heal(): Promise<NetworkFaultResult> {
    this.network.heal();
    return { mechanism: `${SIM}: every peer reachable again`, counts: {} };
  }

  async link(peers: string[], shape: LinkShape): Promise<NetworkFaultResult> {
    for (const name of peers) this.network.shape(name, isUnshaped(shape) ? undefined : shape);
    const mechanism = describeShape(shape);
    return { mechanism, links: Object.fromEntries(peers.map((name) => [name, mechanism])) };
  }

  async reset(peers: string[]): Promise<NetworkFaultResult> {
    const names = new Set(peers);
    let reset = 0;
    for (const node of this.world.nodes) if (names.has(node.name)) reset += this.world.reset(node);
    return { mechanism: `${SIM}: sessions reset (both ends told)`, counts: { connectionsReset: reset } };
  }
}
