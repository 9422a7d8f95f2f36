/**
 * What every spawner here offers beyond the Spawner contract: the control API of an
 * instance (for the lab, which drives peers as a black box, and for tests that check
 * whose identity a peer has), and close() that may remove the users' data too.
 */
import type { PeerInstance, Spawner } from './spawner.js';

/** Where an instance's control API answers, and its token. */
export interface ControlEndpoint {
  /** host:port */
  target: string;
  token: string;
}

export interface CloseOptions {
  /** Also remove every user's data (identity, history): for tests and `--clean`. */
  removeData?: boolean;
}

export interface InspectableSpawner extends Spawner {
  /** The control API of a claimed instance; throws when it has none (vacant, gone). */
  controlOf(instanceId: string): Promise<ControlEndpoint>;
  close(options?: CloseOptions): Promise<void>;
}

/** The state of an instance as PeerInstance says it, from the finer states a spawner keeps. */
export function publicState(state: 'starting' | 'vacant' | 'claiming' | 'claimed' | 'stopped'): PeerInstance['state'] {
  return state === 'claiming' ? 'starting' : state;
}
