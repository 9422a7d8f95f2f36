import type { Runtime } from '../runtimes/runtime.js';
import { ScenarioError } from '../scenario/errors.js';
import type { Scenario } from '../scenario/types.js';
import { SUPPORTED_PATTERNS } from './load-driver.js';
import { SUPPORTED_CONDITIONS } from './steps/wait-for.js';

/**
 * Refuses, before anything starts, a scenario with a step the runtime cannot perform
 * (docker's network faults without root), or a load pattern or wait condition the
 * orchestrator does not drive yet: a usage error that names the file and step.
 *
 * Which runtime does what, and how (the mechanism each fault event records):
 *
 * | step | process | docker |
 * |---|---|---|
 * | kill / stop / restart | SIGKILL / SIGTERM / same data dir, new process | docker kill / stop / start |
 * | pause / unpause | SIGSTOP / SIGCONT | docker pause / unpause |
 * | partition / heal | lab TCP proxy (connections across the cut reset, new ones held) + multicast relay (announcements across dropped) | iptables DROP between the groups |
 * | link delay, jitter | lab TCP proxy and multicast relay, per sender, order kept | netem, else the NFQUEUE delayer |
 * | link loss | multicast relay: dropped; TCP proxy: +200 ms retransmit stall | netem, else iptables statistic DROP |
 * | link bandwidth | token bucket per sender (proxy and relay) | netem rate, else tbf |
 * | link reset | lab TCP proxy: RST to both ends | ss -K in the namespace |
 *
 * Swarm does what docker does, on the task's container (a restart is a new task of the
 * peer's service on the same data volume).
 *
 * The process runtime puts its proxy and relay in the path only for a run that uses
 * link faults (see usesLinkFaults); otherwise its peers connect directly.
 */
export function assertRuntimeSupports(scenario: Scenario, runtime: Runtime): void {
  // The lab's own etcd listens on this machine's loopback: only peers on the host reach
  // it; a runtime whose peers live elsewhere must run one beside them (swarm does).
  if (scenario.registry && runtime.name !== 'process' && !runtime.startRegistry) {
    throw new ScenarioError(scenario.file, 'registry', `registry: ${scenario.registry} runs on --runtime process and swarm only (the lab's etcd listens on 127.0.0.1), not --runtime ${runtime.name}`);
  }
  for (const step of scenario.steps) {
    const at = `steps[${step.index}].${step.kind}`;
    const reason = runtime.unsupported(step.kind);
    if (reason) throw new ScenarioError(scenario.file, at, `not possible with --runtime ${runtime.name}: ${reason}`);
    if (step.kind === 'load' && !SUPPORTED_PATTERNS.includes(step.pattern)) {
      throw new ScenarioError(scenario.file, `${at}.pattern`, `the orchestrator cannot drive pattern ${step.pattern} yet; patterns: ${SUPPORTED_PATTERNS.join(', ')}`);
    }
    if (step.kind === 'wait_for' && !SUPPORTED_CONDITIONS.includes(step.condition)) {
      throw new ScenarioError(scenario.file, `${at}.condition`, `the orchestrator cannot wait for ${step.condition} yet; conditions: ${SUPPORTED_CONDITIONS.join(', ')}`);
    }
  }
}
