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
/** Peers per host when hosting: the fleet spread over 4 hosts per core, 2 to 50 peers each. */
const MAX_AUTO_PER_PROCESS = 50;

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
  const auto = peers > HOSTING_THRESHOLD && !linkFaults ? Math.min(MAX_AUTO_PER_PROCESS, Math.max(2, Math.ceil(peers / (4 * cores)))) : 1;
  return {
    peers,
    readyTimeoutMs,
    slowStartMs: Math.min(SLOW_START_MS, readyTimeoutMs / 2),
    peersPerProcess: scenario.runtime.peersPerProcess ?? auto,
  };
}
