/**
 * What the core asks its shell to do (the output of `PeerCore.handle`). The
 * shell carries each out and decides nothing; completions come back as events.
 * See README.md beside this file for one line on each.
 */
import type { HandshakeInit, HandshakeReply, Item, SignedAnnouncement } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { PeerEvent } from '../events.js';
import type { GroupEntry } from '../store/group-store.js';
import type { GroupMessage } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { SessionKeys } from '../session/handshake.js';
import type { CallId, DialId, SessionId, Token } from './events.js';

/** Why a user command failed: 'invalid' input (SendError), a 'limit' reached (LimitError), or an 'error' (e.g. the disk). */
export interface CommandError {
  kind: 'invalid' | 'limit' | 'error';
  message: string;
}

/** A write to the peer's stores; the shell answers with `stored` (fresh: it was new) or `store_failed`. */
export type StoreWrite =
  | { kind: 'outgoing'; messageId: string; peerId: string; peerName: string; text: string; sentAtMs: number }
  | { kind: 'incoming'; messageId: string; peerId: string; peerName: string; text: string; sentAtMs: number; atMs: number }
  | { kind: 'delivered'; peerId: string; messageId: string; atMs: number }
  | { kind: 'group'; entry: GroupEntry; wire: GroupMessage }
  | { kind: 'join_room'; room: string }
  | { kind: 'leave_room'; room: string }
  /** Persist the name book (the core changed it). */
  | { kind: 'trust' };

export type Action =
  | { type: 'transmit'; session: SessionId; items: Item[] }
  | { type: 'dial'; dial: DialId; peerId: string; host: string; port: number; init: HandshakeInit; timeoutMs: number }
  | { type: 'open_stream'; dial: DialId; session: SessionId; keys: SessionKeys }
  | { type: 'answer_handshake'; call: CallId; reply: HandshakeReply }
  | { type: 'answer_handshake'; call: CallId; refusal: { code: 'unauthenticated' | 'resource_exhausted'; message: string } }
  | { type: 'accept_stream'; session: SessionId; keys: SessionKeys }
  | { type: 'refuse_stream'; session: SessionId; message: string }
  /** `violation`: the peer broke a rule; its stream ends with PERMISSION_DENIED and the reason. */
  | { type: 'close_session'; session: SessionId; reason: string; violation: boolean }
  | { type: 'multicast'; packet: Buffer }
  | { type: 'seed_exchange'; seed: number; request: SignedAnnouncement; timeoutMs: number }
  | { type: 'answer_exchange'; call: CallId; reply: SignedAnnouncement }
  | { type: 'answer_exchange'; call: CallId; error: string }
  | { type: 'store'; token: Token; write: StoreWrite }
  | { type: 'emit'; event: PeerEvent }
  | { type: 'result'; token: Token; ok: true; value: unknown }
  | { type: 'result'; token: Token; ok: false; error: CommandError }
  /** Arm the one timer for this monotonic time (a `tick` then); undefined: nothing is due. */
  | { type: 'wake'; atMonoMs: number | undefined };

export type ActionType = Action['type'];
