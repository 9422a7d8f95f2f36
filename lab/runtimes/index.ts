/** The runtimes `--runtime` can name, and the interface they share. */
import type { Runtime } from './runtime.js';
import { ProcessRuntime } from './process/process-runtime.js';

export type * from './runtime.js';
export { LabError } from './errors.js';
export { ProcessRuntime } from './process/process-runtime.js';

/** Runtimes by name; sim, docker and swarm are planned (DESIGN.md, "The lab"). */
const RUNTIMES: Record<string, () => Promise<Runtime>> = {
  process: () => ProcessRuntime.create(),
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
