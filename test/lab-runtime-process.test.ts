/**
 * The process runtime against the shared runtime conformance suite: peers connecting
 * directly (the default), and peers on the lab's network (proxy and relay in the path),
 * as a scenario with link faults starts them.
 */
import { ProcessRuntime } from '../lab/runtimes/process/process-runtime.js';
import { runtimeConformance } from './support/runtime-conformance.js';

runtimeConformance('process', () => ProcessRuntime.create());
runtimeConformance('process', () => ProcessRuntime.create(), { label: "through the lab's network", spec: { linkFaults: true } });
