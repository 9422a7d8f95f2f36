import type { Announcement } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { PeerObservation } from '../core/peer-table.js';

/** What a verified announcement says about its sender, heard from `sourceAddress`. */
export function observationFromAnnouncement(announcement: Announcement, sourceAddress: string): PeerObservation {
  return {
    id: announcement.id,
    name: announcement.name,
    // The announcer's own host wins: it may know its dialable address better (NAT, registry).
    host: announcement.host !== '' ? announcement.host : sourceAddress,
    grpcPort: announcement.grpcPort,
    publicKey: announcement.publicKey,
    seq: announcement.seq,
  };
}

/** The known-peer hints an announcement carries, for PeerTable.observe(hint, 'hint', now). */
export function hintsFromAnnouncement(announcement: Announcement): PeerObservation[] {
  return announcement.knownPeers.map((k) => ({ id: k.id, name: k.name, host: k.host, grpcPort: k.grpcPort }));
}
