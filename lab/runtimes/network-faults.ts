/**
 * Network faults a runtime may offer besides the peer faults every runtime has: cutting
 * the peers into groups that cannot reach each other, shaping peers' links (delay,
 * jitter, loss, bandwidth) and resetting their connections. A runtime that has them
 * exposes `networkFaults` (a capability object): docker in each container's network
 * namespace, process through the lab's own path between its peers (a TCP proxy and a
 * multicast relay). None of these ever touch the control path.
 */

/** How a peer's egress is shaped: netem's `delay D J loss L rate R`. */
export interface LinkShape {
  /** One-way delay added to every packet, ms. */
  delayMs: number;
  /** Uniform jitter around the delay (±), ms. */
  jitterMs: number;
  /** Fraction of packets dropped, 0..1. */
  loss: number;
  /** Egress rate limit, bits per second; 0 or absent for none. */
  bandwidthBps?: number;
}

/** Whether `shape` changes nothing. */
export function isUnshaped(shape: LinkShape): boolean {
  return shape.delayMs <= 0 && shape.jitterMs <= 0 && shape.loss <= 0 && !(shape.bandwidthBps! > 0);
}

/** What a network fault did, for the history's `fault` event and the report. */
export interface NetworkFaultResult {
  /** How, in a few words ("iptables DROP between groups", "netem", ...). */
  mechanism: string;
  /** Per peer, how its link was shaped (link only), e.g. { p0: "netem delay 20ms ±0ms loss 5%" }. */
  links?: Record<string, string>;
  /** What it did, counted (say, { connectionsReset: 4 }), for the fault event's detail. */
  counts?: Record<string, number>;
}

/** The network faults of a runtime; peers are named as in PeerSpec (`p0`, ...). */
export interface NetworkFaults {
  /**
   * Cuts the network into `groups` (every running or later started peer should be in
   * one): packets between peers of different groups are dropped, in both directions,
   * until `heal()`. A new partition replaces the previous one.
   */
  partition(groups: string[][]): Promise<NetworkFaultResult>;
  /** Removes the partition; link shaping stays. */
  heal(): Promise<NetworkFaultResult>;
  /** Shapes the links of `peers` (all zero: removes the shaping); kept across restarts. */
  link(peers: string[], shape: LinkShape): Promise<NetworkFaultResult>;
  /** Breaks every open peer-to-peer connection of `peers` now (both ends see a reset); they may reconnect at once. */
  reset(peers: string[]): Promise<NetworkFaultResult>;
}
