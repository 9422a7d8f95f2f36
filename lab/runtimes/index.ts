/** The runtimes `--runtime` can name, and the interface they share. */
import type { Scenario } from '../scenario/types.js';
import type { Runtime } from './runtime.js';
import { ProcessRuntime } from './process/process-runtime.js';
import { DockerRuntime } from './docker/docker-runtime.js';
import { SwarmRuntime } from './swarm/swarm-runtime.js';
import { SimRuntime } from './sim/sim-runtime.js';
import { simOptionsFor, type SimSettings } from './sim/sim-settings.js';
import type { SwarmSettings } from './swarm/swarm-runtime.js';

export type * from './runtime.js';
export { LabError } from './errors.js';
export { ProcessRuntime } from './process/process-runtime.js';
export { DockerRuntime } from './docker/docker-runtime.js';
export { SwarmRuntime } from './swarm/swarm-runtime.js';
export { SimRuntime } from './sim/sim-runtime.js';

/** What a runtime is made for: the run (its seed, its peers, its network), and the simulator's and the swarm's settings. */
export interface RuntimeContext {
  run: Scenario;
  sim?: SimSettings;
  swarm?: SwarmSettings;
}

/** Runtimes by name (DESIGN.md, "The lab"). */
const RUNTIMES: Record<string, (context: RuntimeContext) => Promise<Runtime>> = {
  process: () => ProcessRuntime.create(),
  // Progress (image build, base fallback) goes to stderr so stdout stays the run's own.
  docker: () => DockerRuntime.create({ log: (line) => process.stderr.write(`peerlab: ${line}\n`) }),
  swarm: ({ swarm }) => SwarmRuntime.create({ ...swarm, log: (line) => process.stderr.write(`peerlab: ${line}\n`) }),
  sim: ({ run, sim }) => SimRuntime.create(simOptionsFor(run, sim)),
};

/** The names `--runtime` accepts. */
export const RUNTIME_NAMES = Object.keys(RUNTIMES);

/** Whether `name` is a runtime this build has. */
export function isRuntimeName(name: string): boolean {
  return Object.hasOwn(RUNTIMES, name);
}

/** Creates the runtime called `name` for `context.run` (check isRuntimeName first). */
export function createRuntime(name: string, context: RuntimeContext): Promise<Runtime> {
  const create = RUNTIMES[name];
  if (!create) throw new Error(`unknown runtime "${name}"; runtimes: ${RUNTIME_NAMES.join(', ')}`);
  return create(context);
}
