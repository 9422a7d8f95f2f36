/**
 * What the page shows at a glance (`./api/state`): this peer, the peers it knows
 * with their online state and safety numbers, the rooms it joined, and the name
 * conflicts raised since it started that nobody has settled with /trust yet.
 */
import type { PeerEvent } from '../events.js';
import type { Peer, PeerView } from '../peer.js';

type NameConflict = Extract<PeerEvent, { type: 'name_conflict' }>;

/** Conflicts kept for the page; the oldest go first beyond this. */
const MAX_CONFLICTS = 100;

export interface WebState {
  self: { id: string; name: string; fingerprint: string };
  peers: PeerView[];
  rooms: string[];
  conflicts: Array<Omit<NameConflict, 'type'>>;
}

/** Name conflicts heard from the peer's events, until a /trust settles the name. */
export class ConflictLog {
  private readonly open: NameConflict[] = [];

  /** Takes note of a name_conflict event; other events are ignored. */
  note(event: PeerEvent): void {
    if (event.type !== 'name_conflict') return;
    const same = this.open.findIndex((c) => c.name === event.name && c.claimingId === event.claimingId);
    if (same >= 0) this.open.splice(same, 1);
    this.open.push(event);
    if (this.open.length > MAX_CONFLICTS) this.open.shift();
  }

  /** A deliberate /trust of `name` settles every conflict over it. */
  settled(name: string): void {
    for (let i = this.open.length - 1; i >= 0; i--) if (this.open[i]!.name === name) this.open.splice(i, 1);
  }

  list(): Array<Omit<NameConflict, 'type'>> {
    return this.open.map(({ type: _type, ...rest }) => rest);
  }
}

/** The state the page renders. */
export function webState(peer: Peer, conflicts: ConflictLog): WebState {
  return {
    self: { id: peer.identity.id, name: peer.options.name, fingerprint: peer.identity.fingerprint },
    peers: peer.peers(),
    rooms: peer.joinedRooms(),
    conflicts: conflicts.list(),
  };
}
