/**
 * The spawner a `--spawner` kind names, over the dispatcher's state dir (the spawner
 * keeps its own files there: its key, instance records, users' data). Each kind is
 * loaded only when asked for: docker and swarm bring dockerode.
 */
import { OptionsError } from '../../peer/options.js';
import type { Spawner } from '../spawners/spawner.js';
import type { SpawnerKind } from './dispatcher-flags.js';

export interface MakeSpawnerOptions {
  stateDir: string;
  startTimeoutMs: number;
  /** `peerlab peer` flags every peer gets (say a multicast group). */
  peerArgs: string[];
}

export async function makeSpawner(kind: SpawnerKind, options: MakeSpawnerOptions): Promise<Spawner> {
  switch (kind) {
    case 'process': {
      const { ProcessSpawner } = await import('../spawners/process/process-spawner.js');
      return ProcessSpawner.create(options);
    }
    case 'docker':
    case 'swarm':
      throw new OptionsError('--spawner', `the ${kind} spawner is not in this build yet; use --spawner process`);
  }
}
