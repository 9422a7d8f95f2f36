/** gRPC settings and helpers the wire shell, the seed client and tests share. */
import type * as grpc from '@grpc/grpc-js';
import { LIMITS } from '../limits.js';

/** Metadata key naming the session a Session stream belongs to. */
export const SESSION_METADATA_KEY = 'x-peerlab-session';

/** Channel and server options: the frame limit is also gRPC's message limit. */
export const WIRE_GRPC_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': LIMITS.frameBytes + 1024,
  'grpc.max_send_message_length': LIMITS.frameBytes + 1024,
};

/** `host:port`, with an IPv6 host in brackets: what a gRPC client dials. */
export function grpcTarget(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The host part of grpc-js's `getPeer()` ("1.2.3.4:5678", "[::1]:5678", "ipv6:[::1]:5678"). */
export function hostOfPeer(peer: string): string {
  const withoutScheme = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\]:\d+$/.exec(withoutScheme);
  if (bracketed) return bracketed[1]!;
  const lastColon = withoutScheme.lastIndexOf(':');
  return lastColon > 0 ? withoutScheme.slice(0, lastColon) : withoutScheme;
}
