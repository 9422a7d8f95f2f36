/**
 * Network faults of the process runtime, carried out by the lab's own path between its
 * peers (network/): the TCP proxy every peer dials through and the multicast relay every
 * announcement passes. That path exists only when the run asked for it (PeerSpec
 * `linkFaults`); without it peers connect directly, and only a step that changes nothing
 * (a link shaped to all zeros) is possible.
 */
import { formatBandwidth } from '../../scenario/bandwidth.js';
import { LabError } from '../errors.js';
import { isUnshaped, type LinkShape, type NetworkFaultResult, type NetworkFaults } from '../network-faults.js';
import { RETRANSMIT_MS } from './network/egress.js';
import type { NetworkThread } from './network/network-thread.js';

const PROXY = 'lab TCP proxy';
const RELAY = 'multicast relay';

/** How the proxy and the relay carry `shape`, the way the report shows it. */
export function describeShape(shape: LinkShape): string {
  if (isUnshaped(shape)) return `${PROXY} and ${RELAY}: shaping removed`;
  const common: string[] = [];
  if (shape.delayMs > 0 || shape.jitterMs > 0) common.push(`+${+shape.delayMs.toFixed(3)}ms ±${+shape.jitterMs.toFixed(3)}ms`);
  if (shape.bandwidthBps! > 0) common.push(formatBandwidth(shape.bandwidthBps!));
  const pct = `${+(shape.loss * 100).toFixed(3)}%`;
  const tcp = [...common, ...(shape.loss > 0 ? [`loss ${pct} as +${RETRANSMIT_MS}ms retransmit stalls`] : [])];
  const udp = [...common, ...(shape.loss > 0 ? [`loss ${pct} dropped`] : [])];
  return `${PROXY}: ${tcp.join(', ')}; ${RELAY}: ${udp.join(', ')}`;
}

export class ProcessNetFaults implements NetworkFaults {
  constructor(
    /** The run's network thread, or undefined when peers connect directly. */
    private readonly path: () => NetworkThread | undefined,
  ) {}

  async partition(groups: string[][]): Promise<NetworkFaultResult> {
    const { reset } = await this.require('partition').send({ op: 'partition', groups });
    return {
      mechanism: `${PROXY}: connections across the cut reset, new ones held unanswered until heal; ${RELAY}: announcements across the cut dropped`,
      counts: { connectionsReset: reset },
    };
  }

  async heal(): Promise<NetworkFaultResult> {
    const { released } = await this.require('heal').send({ op: 'heal' });
    return { mechanism: `${PROXY}: held connections let through; ${RELAY}: forwarding to every peer again`, counts: { connectionsReleased: released } };
  }

  async link(peers: string[], shape: LinkShape): Promise<NetworkFaultResult> {
    const path = this.path();
    if (!path && isUnshaped(shape)) return { mechanism: 'none: peers connect directly, nothing is in the path' };
    await this.require('shape links').send({ op: 'shape', peers, shape });
    const mechanism = describeShape(shape);
    return { mechanism, links: Object.fromEntries(peers.map((name) => [name, mechanism])) };
  }

  async reset(peers: string[]): Promise<NetworkFaultResult> {
    const { reset } = await this.require('reset connections').send({ op: 'reset', peers });
    return { mechanism: `${PROXY}: connections reset (RST to both ends)`, counts: { connectionsReset: reset } };
  }

  private require(what: string): NetworkThread {
    const path = this.path();
    if (!path) {
      throw new LabError(
        `the process runtime cannot ${what}: its peers were started without the lab's network in their path (the orchestrator asks for it, PeerSpec.linkFaults, when the scenario has a partition, heal or a link step that shapes or resets)`,
      );
    }
    return path;
  }
}
