/**
 * A typed client of a peer's control API: promises for the unary calls, a
 * callback for the event stream, the token sent with every call.
 */
import * as grpc from '@grpc/grpc-js';
import {
  ControlClient as GeneratedControlClient,
  type GroupEntry,
  type HistoryEntry,
  type PeerEntry,
  type PeerInfo,
  type SendResponse,
  type StatsResponse,
  type TrustResponse,
} from '../../proto/gen/peerlab/control/v1/control.pb.js';
import type { PeerEvent } from '../events.js';
import { fromControlEvent } from './event-mapping.js';
import type { PeerControl, Subscription } from './peer-control.js';
import { PEER_METADATA_KEY } from './peer-metadata.js';

export type { GroupEntry, HistoryEntry, PeerEntry, PeerInfo, SendResponse, StatsResponse, TrustResponse };
export type { PeerControl, Subscription };

/** Which peer behind a control API, and over which channel. */
export interface ControlClientOptions {
  /** The peer of a `peerlab host` the calls are for (sent as `x-peerlab-peer`). */
  peer?: string;
  /** A channel to share with other clients of the same server (one per host, not one per hosted peer). */
  channel?: grpc.Channel;
}

export class ControlClient implements PeerControl {
  private readonly client: GeneratedControlClient;
  private readonly metadata: grpc.Metadata;
  private readonly sharedChannel: boolean;

  constructor(
    readonly target: string,
    token: string,
    private readonly deadlineMs = 10_000,
    options: ControlClientOptions = {},
  ) {
    this.client = new GeneratedControlClient(target, grpc.credentials.createInsecure(), options.channel ? { channelOverride: options.channel } : {});
    this.sharedChannel = options.channel !== undefined;
    this.metadata = new grpc.Metadata();
    this.metadata.set('authorization', `Bearer ${token}`);
    if (options.peer !== undefined) this.metadata.set(PEER_METADATA_KEY, options.peer);
  }

  whoami(): Promise<PeerInfo> {
    return this.call((cb) => this.client.whoami({}, this.metadata, this.options(), cb));
  }

  async listPeers(): Promise<PeerEntry[]> {
    return (await this.call<{ peers: PeerEntry[] }>((cb) => this.client.listPeers({}, this.metadata, this.options(), cb))).peers;
  }

  send(to: string, text: string): Promise<SendResponse> {
    return this.call((cb) => this.client.send({ to, text }, this.metadata, this.options(), cb));
  }

  async history(peer: string, limit = 100): Promise<HistoryEntry[]> {
    return (await this.call<{ entries: HistoryEntry[] }>((cb) => this.client.history({ peer, limit }, this.metadata, this.options(), cb))).entries;
  }

  /** Writes to a room by gossip ("everyone" or "" for a broadcast). */
  say(room: string, text: string): Promise<{ messageId: string }> {
    return this.call((cb) => this.client.say({ room, text }, this.metadata, this.options(), cb));
  }

  async joinRoom(room: string): Promise<string[]> {
    return (await this.call<{ rooms: string[] }>((cb) => this.client.joinRoom({ room }, this.metadata, this.options(), cb))).rooms;
  }

  async leaveRoom(room: string): Promise<string[]> {
    return (await this.call<{ rooms: string[] }>((cb) => this.client.leaveRoom({ room }, this.metadata, this.options(), cb))).rooms;
  }

  async roomHistory(room: string, limit = 100): Promise<GroupEntry[]> {
    return (await this.call<{ entries: GroupEntry[] }>((cb) => this.client.roomHistory({ room, limit }, this.metadata, this.options(), cb))).entries;
  }

  /** Binds `name` to the peer `peer` (an id or id prefix) deliberately; other claimants are dismissed. */
  trust(name: string, peer: string): Promise<TrustResponse> {
    return this.call((cb) => this.client.trust({ name, peer }, this.metadata, this.options(), cb));
  }

  stats(): Promise<StatsResponse> {
    return this.call((cb) => this.client.stats({}, this.metadata, this.options(), cb));
  }

  /** Streams events to `onEvent` until closed; `onEnd` gets the error that ended it, if any. */
  subscribe(onEvent: (event: PeerEvent) => void, onEnd?: (error?: grpc.ServiceError) => void): Subscription {
    const stream = this.client.events({}, this.metadata);
    const ready = new Promise<void>((resolve, reject) => {
      stream.once('metadata', () => resolve());
      stream.once('error', reject);
    });
    ready.catch(() => undefined);
    stream.on('data', (message) => {
      const event = fromControlEvent(message);
      if (event) onEvent(event);
    });
    // grpc-js emits 'end' after 'error' too: report the end once, with the error if there was one.
    let ended = false;
    const end = (error?: grpc.ServiceError) => {
      if (ended) return;
      ended = true;
      onEnd?.(error);
    };
    stream.on('error', (error: grpc.ServiceError) => {
      if (error.code === grpc.status.CANCELLED) ended = true;
      else end(error);
    });
    stream.on('end', () => end());
    return { ready, close: () => stream.cancel() };
  }

  /** Closes the channel, unless it is a shared one (its owner closes that). */
  close(): void {
    if (!this.sharedChannel) this.client.close();
  }

  private options(): grpc.CallOptions {
    return { deadline: Date.now() + this.deadlineMs };
  }

  private call<T>(start: (callback: (error: grpc.ServiceError | null, response: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      start((error, response) => (error ? reject(new ControlError(error)) : resolve(response)));
    });
  }
}

/** A control call the peer refused or that failed; keeps the gRPC status code. */
export class ControlError extends Error {
  readonly code: grpc.status;
  constructor(error: grpc.ServiceError) {
    super(error.details || error.message);
    this.name = 'ControlError';
    this.code = error.code;
  }
}
