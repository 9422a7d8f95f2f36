import type { Metrics } from '../metrics/types.js';
import type { SimulationReport } from '../runtimes/runtime.js';
import type { SettingInForce } from '../runtimes/settings-in-force.js';
import type { SloResult } from '../scenario/slo.js';
import type { ParamValue } from '../scenario/types.js';

/** The report schema version this code writes. It still reads version 1 (see load-report.ts). */
export const SCHEMA_VERSION = 2;

/** What the run ran on. */
export interface Environment {
  versions: { peerlab: string; node: string; grpc_js: string };
  machine: { os: string; release: string; arch: string; cpus: number; cpu_model: string; memory_mb: number; hostname: string };
}

/** The fields schema versions 1 and 2 share. */
export interface ReportCore extends Environment {
  /** pass: every SLO met and no step failed. */
  verdict: 'pass' | 'fail';
  /** Why the verdict is fail (empty when pass). */
  verdict_reasons: string[];
  scenario: {
    name: string;
    description: string;
    file: string;
    params: Record<string, ParamValue>;
    sweep: Record<string, ParamValue>;
    overrides: Record<string, string>;
    steps: Array<{ index: number; kind: string; label?: string }>;
  };
  /** The run seed (run i of a repeat used deriveSeed(seed, i); see repeat.runs). */
  seed: number;
  runtime: string;
  /** `--runtime sim`: how the simulation was made (run 0's; each run has its own in repeat.runs). Its times are virtual. */
  simulation?: SimulationReport;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  /** One run: its metrics. Repeated: every numeric leaf is the median across runs (the rest from run 0). */
  metrics: Metrics;
  /** Checked on `metrics`: for a repeat, on the medians. */
  slos: SloResult[];
}

/** A report.json of schema version 1 (one run, no baseline), as older peerlab wrote it. */
export interface ReportV1 extends ReportCore {
  schemaVersion: 1;
}

/** report.json: everything a person or CI needs to judge a run, or N repeated runs. */
export interface Report extends ReportCore {
  schemaVersion: typeof SCHEMA_VERSION;
  repeat: RepeatSection;
  /** Of the whole report: `before` measured before the first run, `after` after the last. */
  baseline: Baseline;
  /**
   * The settings every peer ran with, by setting name (`gossip.fanout`), and where each
   * came from (lab/runtimes/settings-in-force.ts). Absent in reports written before it was recorded.
   */
  peer_settings?: Record<string, SettingInForce>;
  /** Runs with group messages: the push-gossip model for the run's fanout, TTL and peer count (lab/report/gossip-model.ts). */
  gossip_model?: GossipModelReport;
}

/**
 * The expected spread of push gossip (lab/metrics/epidemic-model.ts) for the run's
 * settings and peer count, on the run's time axis. Anti-entropy is not modelled.
 */
export interface GossipModelReport {
  model: 'push gossip, mean field';
  /** Peers in the run (`metrics.gossip.per_peer`), the author included. */
  peers: number;
  fanout: number;
  ttl: number;
  anti_entropy_modelled: false;
  /** The run's measured delay per hop (`metrics.gossip.per_hop_ms`): round r is drawn at r × this; null when not measured. */
  per_hop_ms: number | null;
  /** How per_hop_ms was measured. */
  per_hop_basis: string;
  /** Expected share of non-author peers push alone reaches. */
  reach: number;
  /** Expected copies received per peer reached, as `metrics.gossip.amplification`. */
  amplification: number;
  /** Expected hops of a peer's first copy, as `metrics.gossip.hops.mean`. */
  hops_mean: number;
  /** The time of the first round whose expected share reaches 50 % / 99 % of non-author peers; null when push alone never does, or without per_hop_ms. */
  to_50_ms: number | null;
  to_99_ms: number | null;
  /** Round 0 (the author alone) to ttl: expected share reached after it, and expected copies sent in it. */
  points: Array<{ round: number; t_ms: number | null; share: number; copies: number }>;
}

/** Every run of a repeat, and the spread of each metric across them. */
export interface RepeatSection {
  /** 1 for a single run. */
  count: number;
  /** What `metrics` holds for each numeric leaf, and what SLOs were checked on. */
  statistic: 'median';
  runs: RunSummary[];
  /** Per numeric metric path (lab/metrics/metric-paths.ts): the spread across runs (runs without a value are left out). */
  aggregate: Record<string, AggregateEntry>;
}

/** One run of a repeat, with its own verdict. */
export interface RunSummary {
  index: number;
  /** deriveSeed(report seed, index). */
  seed: number;
  verdict: 'pass' | 'fail';
  verdict_reasons: string[];
  started_at: string;
  duration_ms: number;
  metrics: Metrics;
  slos: SloResult[];
  baseline: Baseline;
  /** `--runtime sim`: this run's simulation (its seed, virtual and wall time, models). */
  simulation?: SimulationReport;
}

/** A metric across runs: its median and the median's confidence interval. */
export interface AggregateEntry {
  median: number;
  ci_low: number;
  ci_high: number;
  /** The interval's real confidence (with few runs it is [min, max] at less than 95 %). */
  confidence: number;
  /** Per run, in run order (runs without a value left out). */
  values: number[];
}

/** The machine's own noise, measured in the same process as the lab, with no peer running. */
export interface Baseline {
  /** Round trips of a raw loopback grpc-js stream echo, in µs. */
  grpc_echo: { p50_us: number; p99_us: number; samples: number };
  /** os.loadavg(): 1, 5 and 15 minute averages. */
  load_avg: { before: [number, number, number]; after: [number, number, number] };
  /** Share of CPU time the hypervisor gave to others (/proc/stat), over about a second; 0 where unavailable. */
  cpu_steal_percent: { before: number; after: number };
  /** What could not be measured, and why ("no /proc/stat: CPU steal is not available here"). */
  notes?: string[];
}
