/**
 * History events: what the orchestrator saw during a run, in the order it saw them.
 * Written one JSON object per line to history.jsonl so metrics and checkers can be
 * re-run on a stored run. `t` is milliseconds since run start on the lab's monotonic
 * clock; peers are named by their index (`p0`, `p1`, ...).
 */

/** A scenario step began, ended or failed (a wait_for timed out, a runtime refused it). */
export interface StepEvent {
  t: number;
  type: 'step';
  index: number;
  /** The step kind: start, load, kill, ... */
  name: string;
  phase: 'begin' | 'end' | 'failed';
  label?: string;
  /** On `begin`: when the schedule said the step was due (see lab/orchestrator/schedule.ts). */
  scheduledT?: number;
  /** Free-form: for load the orchestrator may give { rate, durationMs, pattern }; for failed, the reason. */
  detail?: unknown;
}

/** The load driver sent a message (the Send call returned). */
export interface SendEvent {
  t: number;
  type: 'send';
  id: string;
  from: string;
  to: string;
  /** When the open-model schedule said to send; latency is measured from here. */
  scheduledT: number;
  size: number;
}

/** The lab saw the recipient's `message` event for this id. */
export interface DeliverEvent { t: number; type: 'deliver'; id: string; from: string; to: string; }

/** The sender reported `delivered` (the recipient acked). */
export interface AckEvent { t: number; type: 'ack'; id: string; from: string; to: string; }

/** `peer` saw `other` appear in its peer table. */
export interface PeerUpEvent { t: number; type: 'peer_up'; peer: string; other: string; }

/** `peer` expired `other` from its peer table. */
export interface PeerDownEvent { t: number; type: 'peer_down'; peer: string; other: string; }

/** `peer` opened a session with `other`; handshakeMs is 0 on the answering side. */
export interface SessionUpEvent { t: number; type: 'session_up'; peer: string; other: string; handshakeMs: number; }

export type FaultKind = 'kill' | 'stop' | 'restart' | 'join' | 'pause' | 'unpause' | 'partition' | 'heal' | 'link' | 'registry';

/** The lab injected a fault. */
export interface FaultEvent {
  t: number;
  type: 'fault';
  fault: FaultKind;
  peers: string[];
  /** How the runtime did it, e.g. "SIGKILL", "docker pause", "netem". */
  mechanism?: string;
  /** When its step was due; `t` − `scheduledT` is how late the fault came. */
  scheduledT?: number;
  detail?: unknown;
}

/** A resource sample of one live peer (at least once a second). */
export interface SampleEvent {
  t: number;
  type: 'sample';
  peer: string;
  rssBytes: number;
  heapUsedBytes: number;
  /**
   * CPU use since the previous sample, percent of one core (may exceed 100), timed on the
   * peer's own clock where the runtime can; absent on a peer's first sample.
   */
  cpuPercent?: number;
  /** Sessions open now (when the runtime reads it). */
  sessionsOpen?: number;
  /** Announcements received from other peers since this run of the peer started, and the peer's uptime then (ms). */
  announcementsReceived?: number;
  uptimeMs?: number;
}

/** A peer process/container started, answered its control API (ready) or exited. */
export interface LifecycleEvent {
  t: number;
  type: 'lifecycle';
  peer: string;
  event: 'started' | 'ready' | 'exited';
  detail?: unknown;
}

/** A `login` step's user got a ready peer: `ms` from asking the pool to ready (peer up, web UI answering). */
export interface LoginEvent {
  t: number;
  type: 'login';
  peer: string;
  ms: number;
  /** It was a warm (vacant) peer claimed for the user, not one started for them. */
  fromPool: boolean;
  spawner: string;
  /** Warm peers the step kept. */
  pool: number;
}

/** Something went wrong that is worth showing (a peer's error event, a lab hiccup). */
export interface ErrorEvent { t: number; type: 'error'; message: string; peer?: string; }

/** The load driver wrote a group message (the Say call returned). */
export interface GossipSendEvent {
  t: number;
  type: 'gsend';
  id: string;
  /** The author. */
  from: string;
  room: string;
  /** When the open-model schedule said to write it; dissemination is measured from here. */
  scheduledT: number;
  size: number;
}

/**
 * `peer` showed a group message (its `group_message` event, or its room history after a
 * restart). The author's own copy is recorded too, at hops 0: the origin.
 */
export interface GossipDeliverEvent { t: number; type: 'gdeliver'; id: string; peer: string; hops: number; }

/** A peer's gossip counters (its Stats), read once at the end of the run before peers stop; they count since its last start. */
export interface GossipStatsEvent {
  t: number;
  type: 'gstats';
  peer: string;
  /** Every group message copy received, duplicates included. */
  copiesReceived: number;
  /** New messages stored, its own included. */
  delivered: number;
  /** Messages it wrote. */
  originated: number;
  duplicates: number;
  /** Copies whose Ed25519 signature it verified (known copies are dropped before). */
  signatureChecks: number;
  copiesSent: number;
}

/** How many Ed25519 verifications per second one core of the lab's machine does, measured before the run. */
export interface VerifyCeilingEvent { t: number; type: 'verify_ceiling'; perS: number; sampleMs: number; }

/** The machine the run's peers share, recorded as the run starts: what their CPU percentages must add up within. */
export interface HostEvent { t: number; type: 'host'; cores: number; }

export type HistoryEvent =
  | StepEvent | SendEvent | DeliverEvent | AckEvent | PeerUpEvent | PeerDownEvent
  | SessionUpEvent | FaultEvent | SampleEvent | LifecycleEvent | LoginEvent | ErrorEvent
  | GossipSendEvent | GossipDeliverEvent | GossipStatsEvent | VerifyCeilingEvent | HostEvent;

export type HistoryEventType = HistoryEvent['type'];
