/** The process runtime against the shared runtime conformance suite. */
import { ProcessRuntime } from '../lab/runtimes/process/process-runtime.js';
import { runtimeConformance } from './support/runtime-conformance.js';

runtimeConformance('process', () => ProcessRuntime.create());
