/**
 * The one interface every lab runtime implements (process today; sim, docker and swarm
 * later). Lifecycle as types, as testcontainers does it: `runtime.start(spec)` gives a
 * StartedPeer; `stop()`/`kill()` give a StoppedPeer, whose `start()` brings the same peer
 * (identity, data) back. The orchestrator only ever talks to a peer through its control
 * API, so a runtime's job is to start, fault and measure peers, nothing more.
 */
import type { PeerControl } from '../../peer/control/peer-control.js';
import type { PeerFaultKind, PeerSettings, StepKind } from '../scenario/types.js';
import type { NetworkFaults } from './network-faults.js';
import type { RunClock } from './run-clock.js';

export type { LinkShape, NetworkFaultResult, NetworkFaults } from './network-faults.js';
export type { RunClock } from './run-clock.js';

/** What to start: one peer of a run. */
export interface PeerSpec {
  /** The lab's name for it (`p0`, `p1`, ...): its display name and the name of its data. */
  name: string;
  /** The scenario's settings for every peer. */
  settings: PeerSettings;
  /** Open a session to every peer as soon as it is discovered (for `wait_for: sessions`). */
  connectOnDiscovery?: boolean;
  /**
   * The run will partition, shape or reset links: put this peer on a path the runtime
   * controls. Docker peers always are; process peers then dial through the lab's proxy
   * and announce through its relay, and otherwise connect directly (nothing in between).
   */
  linkFaults?: boolean;
  /** How long it may take to come up (the scenario's `runtime.ready_timeout`, grown with the fleet); the runtime's default otherwise. */
  readyTimeoutMs?: number;
  /** Process runtime: run it in a `peerlab host` with up to this many peers (1 or absent: a process of its own). */
  peersPerProcess?: number;
}

/** One resource reading of a live peer. */
export interface ResourceSample {
  rssBytes: number;
  heapUsedBytes: number;
  /** CPU use since the previous sample, percent of one core (may exceed 100); undefined when there is no previous reading to measure from. */
  cpuPercent?: number;
  /** Sessions open now, when the runtime reads it. */
  sessionsOpen?: number;
  /** Announcements received from other peers (multicast and registries) since this run of the peer started (a counter). */
  announcementsReceived?: number;
  /** The peer's own uptime when read (ms), to turn the counter into a rate on the peer's clock. */
  uptimeMs?: number;
}

/** How a peer ended. */
export interface PeerExit {
  code: number | null;
  signal: string | null;
}

/** A running peer. */
export interface StartedPeer extends AsyncDisposable {
  readonly name: string;
  /** Its peer id (derived from its identity key, so the same after a restart). */
  readonly id: string;
  /** Its control API (gRPC for real peers, direct calls on the simulator); the only way the orchestrator drives it. */
  readonly control: PeerControl;
  /** How long it took to come up once the runtime launched it (ms; queueing before the launch not included). */
  readonly bootMs?: number;
  /** Resolves when the peer exits, whoever caused it. */
  readonly exited: Promise<PeerExit>;
  /** Memory and CPU now (process: the control API's Stats; docker: Docker stats). */
  sample(): Promise<ResourceSample>;
  /** Graceful stop (SIGTERM, `docker stop`). */
  stop(): Promise<StoppedPeer>;
  /** A crash as far as the peer can tell (SIGKILL, `docker kill`). */
  kill(): Promise<StoppedPeer>;
  /** Stops, then starts the same peer again. */
  restart(): Promise<StartedPeer>;
  /** Freezes / thaws the peer (SIGSTOP/SIGCONT, `docker pause`). */
  pause(): Promise<void>;
  unpause(): Promise<void>;
  /** The tail of what the peer said about itself (stderr, container logs), for error messages. */
  diagnostics(): string;
}

/** A peer that is down but keeps its identity and data. */
export interface StoppedPeer {
  readonly name: string;
  /** Starts it again, same identity and data. */
  start(): Promise<StartedPeer>;
}

/**
 * A registry a runtime runs beside its peers for a `registry: etcd` scenario, where the
 * lab's own (an etcd on this machine's loopback) cannot reach them: swarm runs an etcd
 * task on the run's overlay network.
 */
export interface RuntimeRegistry {
  /** The flags every peer of the run gets (`--no-multicast --registry etcd://…`). */
  readonly peerArgs: string[];
  /** How a `registry:` step is done, for the fault event and the report. */
  mechanism(action: 'stop' | 'start'): string;
  /** Takes the registry down, keeping its data; start() brings it back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Starts peers and owns everything they need (data dirs, networks); `close()` removes it all. */
export interface Runtime extends AsyncDisposable {
  /** As given to `--runtime` and written in the report. */
  readonly name: string;
  /** How this runtime does each peer fault, for the report ("SIGKILL", "docker kill"). */
  readonly mechanisms: Readonly<Record<PeerFaultKind, string>>;
  /** Partitions, link shaping and resets; absent when the runtime has none. */
  readonly networkFaults?: NetworkFaults;
  /** The clock the run is timed by: wall time when absent; the simulator's virtual time. */
  readonly clock?: RunClock;
  /**
   * Why this runtime takes no memory and CPU samples per peer, when it takes none (the
   * simulator: its peers share one process, so a per-peer reading would be invented).
   * The report says it instead of showing numbers.
   */
  readonly unsampled?: string;
  /**
   * Ed25519 verifications per second that gossip ingest is set against, when the runtime
   * decides it (the simulator: its CPU model's rate); otherwise the lab measures it.
   */
  verifyCeiling?(): { perS: number; sampleMs: number };
  /** What a report must say about how this runtime ran (the simulator's models and its virtual time); undefined for real runtimes. */
  describeRun?(): SimulationReport;
  /** Starts the scenario's registry where this runtime's peers reach it; absent: the lab's etcd on 127.0.0.1 (process runtime only). */
  startRegistry?(kind: 'etcd'): Promise<RuntimeRegistry>;
  /** Why this runtime cannot perform a step kind, or undefined when it can. */
  unsupported(kind: StepKind): string | undefined;
  /** Starts one peer and resolves once its control API answers. */
  start(spec: PeerSpec): Promise<StartedPeer>;
  /** Kills every peer still running and removes what the runtime created. */
  close(): Promise<void>;
  /** Kills every peer right now, synchronously, best effort: for process exit handlers. */
  killAllNow(): void;
}

/** How a simulated run was made: written in report.json as `simulation`. */
export interface SimulationReport {
  /** Always true: times in this report are virtual. */
  simulated: true;
  seed: number;
  /** Virtual time the run covered, and the wall time it took. */
  virtual_ms: number;
  wall_ms: number;
  /** virtual_ms / wall_ms. */
  speedup: number;
  peers: number;
  /** Which crypto rule ran: real node:crypto up to `computed_up_to` peers, a model above. */
  crypto: { rule: 'computed' | 'modelled'; computed_up_to: number; note: string };
  /** Virtual cost per operation, from rates measured on this machine when the run started (or given). */
  cpu_model: { source: 'measured' | 'given'; ed25519_sign_per_s: number; ed25519_verify_per_s: number; x25519_per_s: number; aead_mb_per_s: number };
  /** The network's base profile (scenario `network:` or the default) and what it does. */
  network: { latency_ms: number; jitter_ms: number; loss: number; source: 'scenario' | 'default'; note: string };
  /** Virtual time a store write takes before the core hears it completed. */
  store_delay_ms: number;
  /** Per peer: modelled CPU busy share of its up time (percent of one core), mean and max over peers. */
  cpu_busy_percent: { mean: number; max: number };
  /** Why memory and CPU are not sampled per peer. */
  resources_note: string;
}
