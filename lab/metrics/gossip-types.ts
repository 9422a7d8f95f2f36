/**
 * Group-message (gossip) metrics of one run: `metrics.gossip`, present only when the run
 * wrote group messages. Definitions in lab/metrics/README.md ("Gossip"). Times in ms,
 * ratios 0..1.
 */
export interface GossipMetrics {
  /** Rooms written to. */
  rooms: string[];
  /** Group messages written (Say calls that returned). */
  messages: number;
  /** Peers that wrote them. */
  authors: string[];
  /** First copies shown by a peer other than the author. */
  deliveries: number;
  /** Sum over messages of the peers live for it (see README: "live"). */
  expected: number;
  /** expected − deliveries: (message, live peer) pairs that never showed the message. */
  missing: number;
  /** Mean over messages of (live peers that have it ÷ live peers); 1 when every live peer got every message. */
  delivery_ratio: number;
  /** The worst message's ratio. */
  min_delivery_ratio: number;
  /** Messages every live peer got. */
  complete_messages: number;
  /** From scheduled send until every live peer has it, over messages; `to_50` and `to_99` until 50 % / 99 % have it. */
  dissemination: DisseminationSummary & { to_50: DisseminationSummary; to_99: DisseminationSummary };
  /** Hops of the copy each non-author peer first showed (1 = straight from the author). */
  hops: { count: number; mean: number; max: number; histogram: Array<{ hops: number; count: number }> };
  /**
   * Median over first showings at non-author peers of (ms since the scheduled send ÷ hops):
   * what one hop costs, send overheads spread over the hops; null without a showing. The
   * report places the epidemic model's rounds on the time axis with it.
   */
  per_hop_ms: number | null;
  /** Copies received per message delivered, from the peers' counters; null without counters. */
  amplification: number | null;
  /** Sums of the peers' gossip counters (gstats), each over its last life. */
  counters: { peers: number; copies_received: number; delivered: number; originated: number; duplicates: number; signature_checks: number; copies_sent: number };
  /** Work per peer per second of gossip activity, against what one core can verify. */
  ingest: {
    copies_per_s_mean: number;
    copies_per_s_max: number;
    checks_per_s_mean: number;
    checks_per_s_max: number;
    /** Ed25519 verifications per second on one core of the lab's machine, measured before the run; null when not measured. */
    verify_ceiling_per_s: number | null;
    /** checks_per_s_max ÷ verify_ceiling_per_s: the busiest peer's share of one core spent verifying. */
    ingest_vs_ceiling: number | null;
  };
  per_peer: GossipPeer[];
  /** Fraction of live peers that have a message, by time since its scheduled send: the median message, the mean and the worst. */
  curve: Array<{ t_ms: number; p50: number; mean: number; min: number }>;
  /** Up to 10 messages that did not reach every live peer, worst first. */
  worst: Array<{ id: string; from: string; scheduled_ms: number; ratio: number; missing: string[] }>;
}

/** Over messages; `incomplete` counts messages that never reached the share (left out of the percentiles). */
export interface DisseminationSummary {
  count: number;
  incomplete: number;
  mean_ms: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface GossipPeer {
  peer: string;
  /** Messages this peer showed (its own excluded). */
  received: number;
  /** Messages this peer was live for (its own excluded). */
  expected: number;
  /** From its gstats (null when the peer was down at the end). */
  copies_received: number | null;
  signature_checks: number | null;
  copies_per_s: number | null;
  checks_per_s: number | null;
}
