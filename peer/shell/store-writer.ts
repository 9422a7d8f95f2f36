/**
 * Carries out the core's store writes on the stores of the data dir (they stay
 * as they were: append-only logs, atomic JSON files). Resolves true when the
 * write was new (a message not stored before), false for a repeat.
 */
import type { StoreWrite } from '../core/actions.js';
import type { GroupStore } from '../store/group-store.js';
import type { HistoryStore } from '../store/history-store.js';
import type { RoomsStore } from '../store/rooms-store.js';
import type { TrustStore } from '../store/trust-store.js';

export interface Stores {
  history: HistoryStore;
  groups: GroupStore;
  rooms: RoomsStore;
  trust: TrustStore;
}

/** Starts the write at once (a group message is claimed before this returns, so a second copy is a duplicate). */
export async function writeToStore(stores: Stores, write: StoreWrite): Promise<boolean> {
  switch (write.kind) {
    case 'outgoing': {
      const { kind: _kind, ...message } = write;
      await stores.history.recordOutgoing(message);
      return true;
    }
    case 'incoming': {
      const { kind: _kind, ...message } = write;
      return stores.history.recordIncoming(message);
    }
    case 'delivered':
      return stores.history.markDelivered(write.peerId, write.messageId, write.atMs);
    case 'group':
      return stores.groups.add(write.entry, write.wire);
    case 'join_room':
      return stores.rooms.join(write.room);
    case 'leave_room':
      return stores.rooms.leave(write.room);
    case 'trust':
      await stores.trust.persist();
      return true;
  }
}
