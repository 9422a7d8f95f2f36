/** The runtimes `--runtime` can name, and the interface they share. */
import type { Runtime } from './runtime.js';
import { ProcessRuntime } from './process/process-runtime.js';
import { DockerRuntime } from './docker/docker-runtime.js';

export type * from './runtime.js';
export { LabError } from './errors.js';
export { ProcessRuntime } from './process/process-runtime.js';
export { DockerRuntime } from './docker/docker-runtime.js';

/** Runtimes by name; sim and swarm are planned (DESIGN.md, "The lab"). */
const RUNTIMES: Record<string, () => Promise<Runtime>> = {
  process: () => ProcessRuntime.create(),
  // Progress (image build, base fallback) goes to stderr so stdout stays the run's own.
  docker: () => DockerRuntime.create({ log: (line) => process.stderr.write(`peerlab: ${line}\n`) }),
};

/** The names `--runtime` accepts. */
export const RUNTIME_NAMES = Object.keys(RUNTIMES);

/** Whether `name` is a runtime this build has. */
export function isRuntimeName(name: string): boolean {
  return Object.hasOwn(RUNTIMES, name);
}

/** Creates the runtime called `name` (check isRuntimeName first). */
export function createRuntime(name: string): Promise<Runtime> {
  const create = RUNTIMES[name];
  if (!create) throw new Error(`unknown runtime "${name}"; runtimes: ${RUNTIME_NAMES.join(', ')}`);
  return create();
}
