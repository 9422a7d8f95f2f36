/**
 * What a peer tells the world: the CLI prints these (one JSON line each with
 * --json), the control API streams them, the lab measures them.
 */
import type { GroupEntry } from './store/group-store.js';

export type PeerEvent =
  /** `webPort` is 0 without a web UI; `webLoginUrl` (a one-time secret) only when it serves standalone, without --web-token. */
  | { type: 'ready'; atMs: number; id: string; name: string; fingerprint: string; grpcPort: number; controlPort: number; webPort: number; webLoginUrl?: string }
  | { type: 'peer_up' | 'peer_down'; atMs: number; peerId: string; peerName: string; host: string; grpcPort: number }
  | { type: 'session_up'; atMs: number; peerId: string; peerName: string; handshakeMs: number; initiator: boolean }
  | { type: 'session_down'; atMs: number; peerId: string; peerName: string; reason: string }
  /** `fromName` is the name bound to `fromId` here when `nameVerified`, else the sender's own (disambiguated) claim. */
  | { type: 'message'; atMs: number; messageId: string; fromId: string; fromName: string; text: string; sentAtMs: number; nameVerified?: boolean }
  | { type: 'delivered'; atMs: number; messageId: string; toId: string; toName: string }
  /** A room message; `hops` is how far the copy that reached this peer travelled (0 for the author's own). */
  | ({ type: 'group_message'; atMs: number; nameVerified?: boolean } & Omit<GroupEntry, 'receivedAtMs'>)
  /** A second id claims a name bound here to another id (a new key, or an impostor); the name stays bound. */
  | { type: 'name_conflict'; atMs: number; name: string; knownId: string; claimingId: string; claimingFingerprint: string }
  | { type: 'error'; atMs: number; code: string; message: string };

export type PeerEventType = PeerEvent['type'];
