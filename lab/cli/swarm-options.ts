/**
 * The swarm runtime's settings on the command line (`lab run`): `--swarm-engine NODE=URL`
 * (repeatable: the Docker engine of another node of the swarm, for the task containers
 * the swarm places there) and `--swarm-control auto|gateway|published` (how the lab
 * reaches tasks; lab/runtimes/swarm/task-access.ts).
 */
import type { Command } from 'commander';
import { LabError } from '../runtimes/errors.js';
import { parseEngineFlags } from '../runtimes/swarm/swarm-engines.js';
import type { SwarmSettings } from '../runtimes/swarm/swarm-runtime.js';
import { CONTROL_PATHS, type ControlChoice } from '../runtimes/swarm/task-access.js';
import { UsageError } from './usage-error.js';

export interface SwarmFlags {
  swarmEngine: string[];
  swarmControl?: string;
}

/** Adds the swarm runtime's flags to `command`. */
export function withSwarmOptions(command: Command): Command {
  return command
    .option('--swarm-engine <node=url>', 'swarm: the Docker engine of another node (hostname or id) for its tasks, unix:///path or tcp://HOST:PORT; repeatable', (value: string, previous: string[]) => [...previous, value], [])
    .option('--swarm-control <path>', `swarm: how the lab reaches tasks (${CONTROL_PATHS.join(', ')}; auto: gateway on one node, published ports on more)`);
}

/** The swarm settings from the flags; a bad value is a usage error naming it. */
export function swarmSettingsFrom(flags: SwarmFlags): SwarmSettings {
  const control = (flags.swarmControl ?? 'auto') as ControlChoice;
  if (!CONTROL_PATHS.includes(control)) throw new UsageError(`--swarm-control ${flags.swarmControl}: expected one of ${CONTROL_PATHS.join(', ')}`);
  try {
    return { engines: parseEngineFlags(flags.swarmEngine ?? []), control };
  } catch (err) {
    if (err instanceof LabError) throw new UsageError(err.message);
    throw err;
  }
}
