import type { GossipMetrics } from './gossip-types.js';

/**
 * Metrics of one run. Keys are snake_case because they are the report's JSON and the
 * paths SLOs name (`latency.p99`, `discovery.converged_ms`). Times are milliseconds,
 * memory is MiB (`_mb`), CPU is percent of one core.
 */
export interface Metrics {
  /** From the first to the last event. */
  duration_ms: number;
  /** Every peer that appears in the events, in index order. */
  peers: string[];
  latency: LatencyMetrics;
  delivery: DeliveryMetrics;
  throughput: ThroughputMetrics;
  per_step: LoadStepMetrics[];
  discovery: DiscoveryMetrics;
  handshake: HandshakeMetrics;
  memory: MemoryMetrics;
  cpu: CpuMetrics;
  errors: { count: number; /** The first 50, for the report. */ messages: Array<{ t: number; message: string }> };
  timeline: Timeline;
  /** Group messages (gossip): only when the run wrote some. */
  gossip?: GossipMetrics;
  /** How the fleet started and what each peer costs (lab/metrics/fleet.ts); absent in histories without boot times. */
  fleet?: FleetMetrics;
  /** Users' logins (a `login` step): only when the run had some. */
  login?: LoginMetrics;
}

/** The fleet: boot times and slow starts, and per peer idle CPU, memory, sessions and announcements heard. */
export interface FleetMetrics {
  /** The most peers one process ran (1: a process per peer). */
  peers_per_process: number;
  /** From the runtime launching a peer to its control API answering (queueing before the launch not included). */
  boot_p50_ms: number;
  boot_p99_ms: number;
  boot_max_ms: number;
  /** Starts over their slow threshold that still came up in time. */
  slow_starts: number;
  slow: Array<{ peer: string; boot_ms: number; slow_ms: number }>;
  /** Mean over peers of their CPU in steps labelled `idle`, percent of one core; null without such a step. */
  idle_cpu_percent: number | null;
  /** Mean over peers of their mean RSS (a hosted peer: its host's RSS over the peers in it). */
  rss_mb_per_peer: number;
  /** Mean over peers of the sessions each had open at its last sample. */
  sessions_per_peer: number;
  /** Mean over peers of the announcements of others each received per second, by multicast and through registries. */
  announcements_per_s: number | null;
  per_peer: Array<{ peer: string; idle_cpu_percent: number | null; mean_rss_mb: number; sessions_open: number; announcements_per_s: number | null }>;
}

/** Login → peer ready of a run's `login` steps, and what each user's peer weighs. */
export interface LoginMetrics {
  /** The spawner and pool size of the (last) login step. */
  spawner: string;
  pool: number;
  count: number;
  /** Logins that claimed a warm peer. */
  from_pool: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
  /** p50 of the logins that claimed a warm peer, and of those that started one; 0 when there were none. */
  from_pool_p50_ms: number;
  started_p50_ms: number;
  /** Mean over the users of each one's mean RSS (the peer's own Stats). */
  memory_per_user_mb: number;
}

/** Percentile summary of a distribution, in ms. All 0 when count is 0. */
export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
}

/** Delivery latency: first deliver minus the send's scheduledT. */
export interface LatencyMetrics extends Summary {
  /** The percentile curve for the distribution chart (percentile 0..100 → ms). */
  percentiles: Array<{ percentile: number; ms: number }>;
  /** Per second of scheduled send time: latency of the messages scheduled in that second. */
  over_time: Array<{ t_s: number; count: number; p50: number; p99: number; max: number }>;
}

export interface DeliveryMetrics {
  sent: number;
  /** Distinct ids delivered (a duplicate does not count twice). */
  delivered: number;
  /** sent − delivered: sends never seen at the recipient. */
  lost: number;
  /** Deliveries beyond the first for an id. */
  duplicates: number;
  /** Delivers whose id was never sent (should be 0). */
  unexpected: number;
  /** Distinct ids the sender saw acknowledged. */
  acked: number;
  /** delivered / sent; 1 when nothing was sent (nothing was lost). */
  ratio: number;
}

export interface ThroughputMetrics {
  /** Per second of run time: sends and deliveries seen in that second. */
  series: Array<{ t_s: number; sent: number; delivered: number }>;
  /** Deliveries seen during load steps divided by the load steps' total time; 0 with no load. */
  mean_delivered_per_s: number;
  /** Sends scheduled during load steps divided by the load steps' total time. */
  mean_sent_per_s: number;
}

/** One load step: what it offered and what the network delivered meanwhile. */
export interface LoadStepMetrics {
  index: number;
  label: string;
  begin_ms: number;
  end_ms: number;
  /** The configured rate when the step event's detail gives it, else null. */
  rate_configured: number | null;
  /** Arrivals the step's schedule planned (null when its `end` event does not say: it never ended). */
  planned: number | null;
  /** Planned arrivals never sent because the run ended first (it failed or was interrupted); 0 when it ran its course. */
  cut: number | null;
  /** Sends scheduled in the step per second of step time. */
  offered_per_s: number;
  /** Deliveries seen during the step per second of step time. */
  delivered_per_s: number;
  sent: number;
  delivered: number;
  latency: { count: number; p50: number; p99: number; max: number };
}

export interface DiscoveryMetrics {
  /**
   * The slowest peer's convergence in ms; null if some pair of live peers never saw
   * each other (never converged). 0 with fewer than two peers.
   */
  converged_ms: number | null;
  /** Over the peers that converged; 0 when none did. */
  p50_ms: number;
  p99_ms: number;
  pairs_total: number;
  pairs_discovered: number;
  per_peer: Array<{ peer: string; ready_ms: number; converged_ms: number | null; seen: number; expected: number }>;
  /** Fraction of (peer, other) pairs discovered over run time, one point per change. */
  curve: Array<{ t_ms: number; fraction: number }>;
}

export interface HandshakeMetrics {
  /** Handshakes timed (session_up with handshakeMs > 0: the dialling side). */
  count: number;
  /** Distinct peer pairs with a session up at some point. */
  sessions: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
}

export interface MemoryMetrics {
  max_rss_mb: number;
  /** Mean over every sample of every peer. */
  mean_rss_mb: number;
  per_peer: Array<{
    peer: string;
    max_rss_mb: number;
    mean_rss_mb: number;
    max_heap_mb: number;
    /** At most ~600 points; longer runs keep each bucket's maximum. */
    series: Array<{ t_ms: number; rss_mb: number; heap_mb: number }>;
  }>;
}

export interface CpuMetrics {
  mean_percent: number;
  max_percent: number;
  per_peer: Array<{ peer: string; mean_percent: number; max_percent: number }>;
  /** The machine's cores (the run's `host` event); null in histories that do not say. */
  cores: number | null;
  /**
   * Values that cannot be right, kept in the numbers above but flagged: one peer above one
   * core plus a tolerance (peer set), or all peers together above every core (peer null).
   * The first 20; `implausible_count` says how many there were.
   */
  implausible: Array<{ t_ms: number; peer: string | null; percent: number; limit_percent: number }>;
  implausible_count: number;
}

/** Steps and faults, for chart markers and the report's timeline. */
export interface Timeline {
  /** `scheduled_ms`: when the step was due (lab/orchestrator/schedule.ts); begin_ms − scheduled_ms is how late it began. */
  steps: Array<{ index: number; name: string; label?: string; begin_ms: number; scheduled_ms?: number; end_ms: number | null; failed: boolean; detail?: string }>;
  /** `scheduled_ms`: when the fault's step was due. */
  faults: Array<{ t_ms: number; fault: string; peers: string[]; mechanism?: string; scheduled_ms?: number }>;
}
