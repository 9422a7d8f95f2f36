import type { ScenarioSettingValues } from '../../peer/settings.js';

/** How the lab starts the fleet (the scenario's `runtime:` section); absent fields are chosen from the fleet's size. */
export interface RuntimeSettings {
  /** Process runtime: peers per `peerlab host` process (1: one process per peer). */
  peersPerProcess?: number;
  /** How long one peer may take to come up before the run fails (exit 3). */
  readyTimeoutMs?: number;
}

/** A value a scenario parameter can take (from YAML or from --set). */
export type ParamValue = string | number | boolean;

/**
 * Settings given to every peer, by their PeerOptions name (`keepaliveMs`, `gossip.fanout`;
 * durations in ms): those with a scenario field in peer/settings.ts.
 */
export type PeerSettings = ScenarioSettingValues & {
  /** Extra command-line arguments for `peerlab peer`, passed verbatim (escape hatch). */
  args?: string[];
};

/** How a step chose its peers: explicit indexes, `all`, or `random: N` (picked with the seed). */
export type PeerPick = 'indexes' | 'all' | 'random';

interface StepBase {
  /** Position in `steps` (0-based); history `step` events carry it. */
  index: number;
  /** Optional label, shown in reports (per-step metrics, chart markers). */
  label?: string;
}

export interface StartStep extends StepBase { kind: 'start'; count: number; }
export interface JoinStep extends StepBase { kind: 'join'; count: number; }
/** The dispatcher's spawners, as `login` names them. */
export type LoginSpawner = 'process' | 'docker' | 'swarm';
/**
 * `login`: `users` users log in at once, each getting a peer of their own from a spawner
 * (dispatcher/spawners), with `pool` vacant peers started ahead of need; login → ready
 * is measured per user. The peers then join the run like started ones.
 */
export interface LoginStep extends StepBase { kind: 'login'; users: number; spawner: LoginSpawner; pool: number; }
export type WaitCondition = 'discovered' | 'sessions' | 'delivered' | 'gossip_delivered';
export interface WaitForStep extends StepBase { kind: 'wait_for'; condition: WaitCondition; timeoutMs: number; }
export type LoadPattern = 'random' | 'pairs' | 'broadcast';
export interface LoadStep extends StepBase {
  kind: 'load';
  pattern: LoadPattern;
  /** For `pairs`: [from, to] peer indexes; each pair gets `rate` messages/s. */
  pairs?: Array<[number, number]>;
  /** For `broadcast`: the peers that write (resolved indexes) and how they were chosen. */
  authors?: number[];
  authorsPick?: PeerPick;
  /** For `broadcast`: the room written to ("everyone" by default). */
  room?: string;
  /** Open-model arrival rate, messages per second (over the whole network for `random` and `broadcast`). */
  rate: number;
  durationMs: number;
  /** Message text size in bytes. */
  size: number;
  /** When true the next steps run while this load flows; otherwise the step lasts `durationMs`. */
  background: boolean;
}
export type PeerFaultKind = 'kill' | 'stop' | 'restart' | 'pause' | 'unpause';
export interface PeerFaultStep extends StepBase {
  kind: PeerFaultKind;
  /** Resolved peer indexes (0-based), already picked for `random`. */
  peers: number[];
  pick: PeerPick;
}
export interface BareStep extends StepBase { kind: 'pause_load' | 'resume_load' | 'heal'; }
export interface SleepStep extends StepBase { kind: 'sleep'; durationMs: number; }
export interface PartitionStep extends StepBase {
  kind: 'partition';
  /** Disjoint groups of peer indexes; peers in no group form one more implicit group. */
  groups: number[][];
}
export interface LinkStep extends StepBase {
  kind: 'link';
  peers: number[];
  pick: PeerPick;
  delayMs: number;
  jitterMs: number;
  /** Packet loss as a fraction, 0..1. */
  loss: number;
  /** Egress rate limit, bits per second; 0 for none. */
  bandwidthBps: number;
  /** Close every open connection of these peers' links when the step runs, so they must be reopened. */
  reset: boolean;
  /** False for a step that gives only `reset`: the links keep the shape they had. */
  setsShape: boolean;
}

/** `registry: { stop: true }` / `registry: { start: true }`: the lab's etcd goes down / comes back. */
export interface RegistryStep extends StepBase { kind: 'registry'; action: 'stop' | 'start'; }

export type Step =
  | StartStep | JoinStep | LoginStep | WaitForStep | LoadStep | PeerFaultStep
  | BareStep | SleepStep | PartitionStep | LinkStep | RegistryStep;
export type StepKind = Step['kind'];

export type SloOp = '<' | '<=' | '>' | '>=' | '==';

/** A parsed service-level objective, e.g. `latency.p99 < 50ms`. */
export interface Slo {
  /** The text as written in the scenario. */
  text: string;
  /** Metric path, canonical (e.g. `delivery.ratio` for `delivery_ratio`). */
  metric: string;
  op: SloOp;
  /** Threshold in the metric's own unit (ms, ratio, MB, ...). */
  threshold: number;
}

/** The simulated network's base profile (`network:`): what every packet gets on `--runtime sim`. */
export interface NetworkProfile {
  /** One-way latency, ms. */
  latencyMs: number;
  /** Uniform jitter around the latency (±), ms. */
  jitterMs: number;
  /** Fraction of packets lost, 0..1 (announcements dropped; stream packets retransmitted late). */
  loss: number;
}

/** One runnable experiment: a scenario file with params, sweep values and overrides applied. */
export interface Scenario {
  name: string;
  description: string;
  /** The file it came from, as given to loadScenario. */
  file: string;
  seed: number;
  /** How many independent runs make one report (`repeat:` in the file, `--repeat N`); 1 by default. */
  repeat: number;
  /** Every param's value as run. */
  params: Record<string, ParamValue>;
  /** The swept params and their value in this run ({} when not a sweep). */
  sweep: Record<string, ParamValue>;
  /** The --set overrides that were applied, as given. */
  overrides: Record<string, string>;
  peer: PeerSettings;
  /** The simulated network's base profile; absent: the simulator's default. Real runtimes' networks are what they are. */
  network?: NetworkProfile;
  /** The `runtime:` section ({} when absent). */
  runtime: RuntimeSettings;
  /** `registry: etcd`: the lab runs an etcd and its peers discover through it instead of multicast. */
  registry?: 'etcd';
  steps: Step[];
  slos: Slo[];
  /**
   * The file's content with params and overrides applied, before validation. `random`
   * picks are resolved from the seed when the file is read, so running it with another
   * seed (run i of a repeat) reads this again (see withSeed).
   */
  tree: Readonly<Record<string, unknown>>;
}
