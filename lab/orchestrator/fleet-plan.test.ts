/**
 * How the lab plans a fleet: a process per peer up to the hosting threshold, then one
 * `peerlab host` per core of up to 50 peers; link faults keep a process per peer; the
 * scenario's runtime section wins; the ready timeout grows with the fleet.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.js';
import { BASE_READY_TIMEOUT_MS, HOSTING_THRESHOLD, MAX_AUTO_PER_PROCESS, planFleet, READY_TIMEOUT_PER_PEER_MS } from './fleet-plan.js';

const scenario = (peers: number, runtime = '') =>
  parseScenario(`name: plan\n${runtime}steps:\n  - start: { count: ${peers} }\n  - sleep: { duration: 1s }\n`, 'plan.yaml')[0]!;

describe('planFleet', () => {
  it('runs a process per peer up to the threshold, then one host per core, at most 50 peers each', () => {
    expect(planFleet(scenario(HOSTING_THRESHOLD), false, 2).peersPerProcess).toBe(1);
    expect(planFleet(scenario(40), false, 2).peersPerProcess).toBe(20);
    expect(planFleet(scenario(100), false, 2).peersPerProcess).toBe(50);
    expect(planFleet(scenario(100), false, 4).peersPerProcess).toBe(25);
    expect(planFleet(scenario(1000), false, 2).peersPerProcess).toBe(MAX_AUTO_PER_PROCESS);
  });

  it('keeps a process per peer for link faults, and takes the scenario’s own setting over its plan', () => {
    expect(planFleet(scenario(100), true, 2).peersPerProcess).toBe(1);
    expect(planFleet(scenario(100, 'runtime:\n  peers_per_process: 10\n'), false, 2).peersPerProcess).toBe(10);
  });

  it('gives a bigger fleet a longer ready timeout, and a slow start half of it at most', () => {
    const plan = planFleet(scenario(300), false, 2);
    expect(plan.readyTimeoutMs).toBe(BASE_READY_TIMEOUT_MS + 300 * READY_TIMEOUT_PER_PEER_MS);
    expect(plan.slowStartMs).toBeLessThanOrEqual(plan.readyTimeoutMs / 2);
  });
});
