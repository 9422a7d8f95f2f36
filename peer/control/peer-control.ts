/**
 * What a peer's control API offers, as the lab and tools call it: the gRPC client
 * (control-client.ts) for a real peer, and the simulator's direct calls on a core
 * (lab/runtimes/sim/sim-control.ts), so the orchestrator drives both the same way.
 */
import type {
  GroupEntry,
  HistoryEntry,
  PeerEntry,
  PeerInfo,
  SendResponse,
  StatsResponse,
  TrustResponse,
} from '../../proto/gen/peerlab/control/v1/control.pb.js';
import type { PeerEvent } from '../events.js';

export type { GroupEntry, HistoryEntry, PeerEntry, PeerInfo, SendResponse, StatsResponse, TrustResponse };

/** An open event subscription; `close()` cancels it. */
export interface Subscription {
  /** Resolves once the server has accepted the subscription (no event can be missed after). */
  readonly ready: Promise<void>;
  /**
   * True when the subscription hears every event of the peer's current life, from its
   * start (the simulator replays what came before it subscribed): the lab then need not
   * ask ListPeers again when a peer appears. Absent on a live stream, which can miss what
   * happened before it was accepted.
   */
  readonly gapless?: boolean;
  close(): void;
}

export interface PeerControl {
  whoami(): Promise<PeerInfo>;
  listPeers(): Promise<PeerEntry[]>;
  send(to: string, text: string): Promise<SendResponse>;
  history(peer: string, limit?: number): Promise<HistoryEntry[]>;
  /** Writes to a room by gossip ("everyone" or "" for a broadcast). */
  say(room: string, text: string): Promise<{ messageId: string }>;
  joinRoom(room: string): Promise<string[]>;
  leaveRoom(room: string): Promise<string[]>;
  roomHistory(room: string, limit?: number): Promise<GroupEntry[]>;
  /** Binds `name` to the peer `peer` (an id or id prefix) deliberately; other claimants are dismissed. */
  trust(name: string, peer: string): Promise<TrustResponse>;
  stats(): Promise<StatsResponse>;
  /** Streams events to `onEvent` until closed; `onEnd` gets the error that ended it, if any. */
  subscribe(onEvent: (event: PeerEvent) => void, onEnd?: (error?: Error) => void): Subscription;
  close(): void;
}
