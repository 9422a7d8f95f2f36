/**
 * A bug planted on purpose, for testing the lab's bug hunters (`lab explore`): never on
 * unless PEERLAB_SIM_PLANT_BUG names it, read by the simulator's shell only (the real
 * peer and the core know nothing of it), so nobody trips over it by accident.
 *
 * `restart-amnesia`: once a peer has been restarted it drops the acks it owes and
 * forgets which direct messages it has already stored. Its senders keep their messages
 * in the outbox and resend them (after 5 s, doubling), and every resend is shown again:
 * the duplicate a broken dedup-after-restart would cause.
 */
import type { Item } from '../../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { LabError } from '../errors.js';

/** The environment variable that plants a bug in the simulator. */
export const PLANT_BUG_ENV = 'PEERLAB_SIM_PLANT_BUG';
export const PLANTED_BUGS = ['restart-amnesia'] as const;
export type PlantedBug = (typeof PLANTED_BUGS)[number];

/** The bug PEERLAB_SIM_PLANT_BUG names, if any; an unknown name is an error naming the known ones. */
export function plantedBugFrom(env: NodeJS.ProcessEnv = process.env): PlantedBug | undefined {
  const value = env[PLANT_BUG_ENV];
  if (value === undefined || value === '') return undefined;
  if (!(PLANTED_BUGS as readonly string[]).includes(value)) throw new LabError(`${PLANT_BUG_ENV}=${value}: no such planted bug; planted bugs: ${PLANTED_BUGS.join(', ')}`);
  return value as PlantedBug;
}

/** A peer's first life is life 1 (SimNode bumps it at every start and exit): later ones are restarts. */
export function isRestarted(life: number): boolean {
  return life > 1;
}

/** What a restarted amnesiac peer still transmits: everything but its acks. */
export function withoutAcks(items: readonly Item[]): Item[] {
  return items.filter((item) => item.kind?.$case !== 'ack');
}
