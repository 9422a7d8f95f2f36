/**
 * How the lab starts a scenario's fleet, from its size and the scenario's `runtime:`
 * section: how long one peer may take to come up, when a start counts as slow, and how
 * many peers share a process.
 */
import { availableParallelism } from 'node:os';
import type { Scenario } from '../scenario/types.js';

/** The ready timeout of a small fleet: what every peer had before it grew with the fleet. */
export const BASE_READY_TIMEOUT_MS = 20_000;
/** Added per peer of the fleet: the last of 1,000 peers may wait for the machine 50 s longer than the first of 5. */
export const READY_TIMEOUT_PER_PEER_MS = 50;
/** A peer that took longer than this to come up (but came up) is reported as slow. */
export const SLOW_START_MS = 10_000;

/**
 * Above this many peers the process runtime hosts them (`peerlab host`) unless the
 * scenario says otherwise. Measured here: an idle peer process costs 60–105 MB RSS and
 * 8–11 % of a core, so 20–24 of them fill 2 cores and a 40-peer run missed its ready
 * timeouts; 32 processes still fit in memory and boot within a few seconds each.
 */
export const HOSTING_THRESHOLD = 32;
/**
 * Peers per host when hosting: one host per core, 2 to 50 peers each. Fewer, fuller hosts
 * cost less per peer, as a process has costs of its own (event loop, GC threads, its
 * Stats): `lab run scenarios/scale.yaml --set peers=100` measured idle CPU per peer at
 * 0.41–0.46 % of a core in 8 hosts of 13 (4 hosts per core, the rule before), 0.36 % in
 * 4 of 25 and 0.22 % in 2 of 50, with RSS per peer 9.0, 5.3 and 3.3 MB and gossip
 * dissemination p99 7.1–9.8, 6.3 and 4.9 s; at 300 peers, 6 hosts of 50 and 3 of 100 were
 * alike (0.25 % idle, 3–4 MB), 100 per host started more peers slowly.
 */
export const MAX_AUTO_PER_PROCESS = 50;

export interface FleetPlan {
  /** Peers the scenario starts in all (start and join steps). */
  peers: number;
  readyTimeoutMs: number;
  slowStartMs: number;
  /** 1: a process per peer. */
  peersPerProcess: number;
}

/** The plan for `scenario`; `linkFaults` runs keep a process per peer (the lab's proxy tells links apart by process). */
export function planFleet(scenario: Scenario, linkFaults: boolean, cores = availableParallelism()): FleetPlan {
  const peers = scenario.steps.reduce((sum, step) => sum + (step.kind === 'start' || step.kind === 'join' ? step.count : 0), 0);
  const readyTimeoutMs = scenario.runtime.readyTimeoutMs ?? BASE_READY_TIMEOUT_MS + READY_TIMEOUT_PER_PEER_MS * peers;
  const auto = peers > HOSTING_THRESHOLD && !linkFaults ? Math.min(MAX_AUTO_PER_PROCESS, Math.max(2, Math.ceil(peers / cores))) : 1;
  return {
    peers,
    readyTimeoutMs,
    slowStartMs: Math.min(SLOW_START_MS, readyTimeoutMs / 2),
    peersPerProcess: scenario.runtime.peersPerProcess ?? auto,
  };
}
