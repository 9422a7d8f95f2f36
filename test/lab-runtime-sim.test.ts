/**
 * The simulator against the shared runtime conformance suite: the same lifecycle,
 * control API and faults as real peers, on virtual time in this process. Given CPU
 * rates, so the suite does not spend a quarter second measuring them per runtime.
 */
import { SimRuntime } from '../lab/runtimes/sim/sim-runtime.js';
import { runtimeConformance } from './support/runtime-conformance.js';

const RATES = { signPerS: 15_000, verifyPerS: 6_000, x25519PerS: 12_000, aeadBytesPerS: 300e6 };

runtimeConformance('sim', () => SimRuntime.create({ seed: 1, cpuRates: RATES }));
