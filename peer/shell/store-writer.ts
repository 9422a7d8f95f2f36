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

/**
 * Starts the write at once (a group message is claimed before this returns, so a second
 * copy is a duplicate). An incoming message is passed on as it is: the history store
 * copies the fields it keeps, so no copy is made on that hot path.
 */
export function writeToStore(stores: Stores, write: StoreWrite): Promise<boolean> {
  switch (write.kind) {
    case 'outgoing': {
      // Spread into the stored entry: so named field by field, or the write's kind would be stored too.
      const { messageId, peerId, peerName, text, sentAtMs } = write;
      return stores.history.recordOutgoing({ messageId, peerId, peerName, text, sentAtMs }).then(() => true);
    }
    case 'incoming':
      return stores.history.recordIncoming(write);
    case 'delivered':
      return stores.history.markDelivered(write.peerId, write.messageId, write.atMs);
    case 'group':
      return stores.groups.add(write.entry, write.wire);
    case 'join_room':
      return stores.rooms.join(write.room);
    case 'leave_room':
      return stores.rooms.leave(write.room);
    case 'trust':
      return stores.trust.persist().then(() => true);
  }
}
