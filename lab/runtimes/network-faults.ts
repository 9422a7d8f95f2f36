/**
 * Network faults a runtime may offer besides the peer faults every runtime has: cutting
 * the peers into groups that cannot reach each other, and shaping peers' links (delay,
 * jitter, loss). A runtime that has them exposes `network` (a capability object); one
 * that does not (process: every peer shares loopback) leaves it out and refuses the
 * `partition`, `heal` and `link` steps. None of these ever touch the control path.
 */

/** How a link is shaped: netem's `delay D J loss L`. */
export interface LinkShape {
  /** One-way delay added to every packet, ms. */
  delayMs: number;
  /** Uniform jitter around the delay (±), ms. */
  jitterMs: number;
  /** Fraction of packets dropped, 0..1. */
  loss: number;
}

/** What a network fault did, for the history's `fault` event and the report. */
export interface NetworkFaultResult {
  /** How, in a few words ("iptables DROP between groups", "netem", ...). */
  mechanism: string;
  /** Per peer, how its link was shaped (link only), e.g. { p0: "netem delay 20ms ±0ms loss 5%" }. */
  links?: Record<string, string>;
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
}
