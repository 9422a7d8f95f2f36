/**
 * The simulator's runtime settings (`lab run --runtime sim --sim-crypto-up-to N
 * --sim-cpu RATES`), and the SimRuntime options a run gets from its scenario: its seed,
 * its peer count (which decides the crypto rule) and its `network:` profile.
 */
import type { Scenario } from '../../scenario/types.js';
import type { CpuRates } from './cpu-model.js';
import type { SimRuntimeOptions } from './sim-runtime.js';

export interface SimSettings {
  /** Crypto is computed up to this many peers, modelled above (default 200). */
  computedCryptoUpTo?: number;
  /** CPU rates to use instead of measuring them: a run replays exactly only with the rates it ran with. */
  cpuRates?: CpuRates;
}

/** Every peer a scenario starts (`start` and `join` counts). */
export function peerCount(scenario: Scenario): number {
  return scenario.steps.reduce((n, step) => (step.kind === 'start' || step.kind === 'join' ? n + step.count : n), 0);
}

/** The SimRuntime options for one run of `scenario`. */
export function simOptionsFor(scenario: Scenario, settings: SimSettings = {}): SimRuntimeOptions {
  const options: SimRuntimeOptions = { seed: scenario.seed, peers: peerCount(scenario) };
  if (scenario.network) options.network = scenario.network;
  if (settings.computedCryptoUpTo !== undefined) options.computedCryptoUpTo = settings.computedCryptoUpTo;
  if (settings.cpuRates) options.cpuRates = settings.cpuRates;
  return options;
}
