/**
 * What the shells tell the core (the input of `PeerCore.handle`): IO that
 * happened, timers that fired, store writes that completed, and user commands.
 * See README.md beside this file for one line on each.
 */
import type { WellFormedAnnouncement } from '../discovery/announcement.js';
import type {
  HandshakeInit,
  HandshakeReply,
  Item,
  SignedAnnouncement,
} from '../../proto/gen/peerlab/wire/v1/wire.pb.js';

/** The two clocks, read by the shell once per event. */
export interface Now {
  /** Monotonic ms: durations and deadlines. */
  readonly monoMs: number;
  /** Wall-clock ms since the epoch: timestamps other peers and people see. */
  readonly wallMs: number;
}

/** A live secure stream, named by whoever opened it (see README.md). */
export type SessionId = string;
/** One outgoing handshake the core started. */
export type DialId = number;
/** One inbound unary call (Handshake or Exchange) waiting for the core's answer. */
export type CallId = number;
/** A store write or a user command, completed by a later event or action. */
export type Token = number;

export type CoreEvent =
  // Lifecycle
  | { type: 'start'; grpcPort: number }
  | { type: 'stop' }
  | { type: 'tick' }
  // Sessions
  | { type: 'handshake_received'; call: CallId; init: HandshakeInit; address: string }
  | { type: 'handshake_replied'; dial: DialId; reply: HandshakeReply }
  | { type: 'handshake_failed'; dial: DialId; message: string }
  | { type: 'stream_opened'; session: SessionId; sessionKey: string }
  | { type: 'items_received'; session: SessionId; items: Item[] }
  | { type: 'session_closed'; session: SessionId; reason: string }
  // Discovery
  | { type: 'announcement_heard'; heard: WellFormedAnnouncement; from: string; source?: 'registry' }
  | { type: 'self_address'; address: string }
  /** A registry answered again, or stopped answering (`registry`: its URL). */
  | { type: 'registry_reachable'; registry: string; reachable: boolean }
  | { type: 'exchange_received'; call: CallId; request: SignedAnnouncement; fromHost: string }
  | { type: 'seed_replied'; seed: number; reply: SignedAnnouncement }
  | { type: 'seed_failed'; seed: number; message: string }
  // Store completions
  | { type: 'stored'; token: Token; fresh: boolean }
  | { type: 'store_failed'; token: Token; message: string }
  // User commands
  | { type: 'send'; token: Token; to: { id: string; name: string }; text: string }
  | { type: 'say'; token: Token; room: string; text: string }
  | { type: 'join_room'; token: Token; room: string }
  | { type: 'leave_room'; token: Token; room: string }
  | { type: 'trust_name'; token: Token; name: string; idQuery: string }
  | { type: 'ping'; token: Token; peerId: string };

export type CoreEventType = CoreEvent['type'];
