/**
 * A typed client of a `peerlab host`'s Host service (host.proto): list, start, stop,
 * crash, pause its peers and read its figures. `peer(name)` gives a ControlClient for
 * one hosted peer, sharing this client's channel.
 */
import * as grpc from '@grpc/grpc-js';
import {
  HostClient as GeneratedHostClient,
  StopMode,
  type HostedPeer,
  type HostStatsResponse,
  type ListHostedPeersResponse,
} from '../../proto/gen/peerlab/control/v1/host.pb.js';
import { ControlClient, ControlError } from './control-client.js';

export { HostedPeerState } from '../../proto/gen/peerlab/control/v1/host.pb.js';
export type { HostedPeer, HostStatsResponse };

export class HostControlClient {
  private readonly client: GeneratedHostClient;
  /** One channel (one HTTP/2 connection) for the Host calls and every hosted peer's Control calls. */
  private readonly channel: grpc.Channel;
  private readonly metadata = new grpc.Metadata();

  constructor(
    readonly target: string,
    private readonly token: string,
    private readonly deadlineMs = 10_000,
  ) {
    this.channel = new grpc.Channel(target, grpc.credentials.createInsecure(), {});
    this.client = new GeneratedHostClient(target, grpc.credentials.createInsecure(), { channelOverride: this.channel });
    this.metadata.set('authorization', `Bearer ${token}`);
  }

  /** The Control API of one hosted peer, over this client's channel. */
  peer(name: string, deadlineMs = this.deadlineMs): ControlClient {
    return new ControlClient(this.target, this.token, deadlineMs, { peer: name, channel: this.channel });
  }

  list(): Promise<ListHostedPeersResponse> {
    return this.call((cb) => this.client.listHostedPeers({}, this.metadata, this.options(), cb));
  }

  /** Starts `name` (again); `deadlineMs` bounds how long it may take to come up. */
  start(name: string, grpcPort = 0, deadlineMs = this.deadlineMs): Promise<HostedPeer> {
    return this.call((cb) => this.client.startPeer({ name, grpcPort }, this.metadata, this.options(deadlineMs), cb));
  }

  /** Stops `name`: gracefully, or as a crash (see host.proto's StopMode). */
  stop(name: string, mode: 'graceful' | 'crash'): Promise<HostedPeer> {
    const stopMode = mode === 'crash' ? StopMode.STOP_MODE_CRASH : StopMode.STOP_MODE_GRACEFUL;
    return this.call((cb) => this.client.stopPeer({ name, mode: stopMode }, this.metadata, this.options(), cb));
  }

  pause(name: string): Promise<HostedPeer> {
    return this.call((cb) => this.client.pausePeer({ name }, this.metadata, this.options(), cb));
  }

  unpause(name: string): Promise<HostedPeer> {
    return this.call((cb) => this.client.unpausePeer({ name }, this.metadata, this.options(), cb));
  }

  stats(): Promise<HostStatsResponse> {
    return this.call((cb) => this.client.stats({}, this.metadata, this.options(), cb));
  }

  /** Closes the shared channel: every hosted peer's ControlClient from `peer()` stops working too. */
  close(): void {
    this.channel.close();
  }

  private options(deadlineMs = this.deadlineMs): grpc.CallOptions {
    return { deadline: Date.now() + deadlineMs };
  }

  private call<T>(start: (callback: (error: grpc.ServiceError | null, response: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      start((error, response) => (error ? reject(new ControlError(error)) : resolve(response)));
    });
  }
}
