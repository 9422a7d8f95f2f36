/**
 * The control API server: what the CLI does, over gRPC, for the lab, the web
 * UI and scripts in any language. Bound to 127.0.0.1 by default; every call
 * must present the bearer token.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  ControlService,
  type Event as ControlEvent,
  type EventsRequest,
} from '../../proto/gen/peerlab/control/v1/control.pb.js';
import { bearerMatches } from '../bearer.js';
import type { PeerEvent } from '../events.js';
import type { Peer } from '../peer.js';
import { PEERLAB_VERSION, SendError } from '../peer.js';
import { LIMITS, statusDetails } from '../limits.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { toControlEvent } from './event-mapping.js';
import { EVERYONE } from '../gossip/group-codec.js';
import { requestProblem, type ControlMethod } from './request-limits.js';

/** Events buffered for one slow subscriber before it is cut off. */
const MAX_BUFFERED_EVENTS = 100_000;

/** The token the control API requires: the given one, or the data dir's, or a new one saved there. */
export async function resolveControlToken(dataDir: string, given: string): Promise<string> {
  if (given !== '') return given;
  const path = join(dataDir, 'control.token');
  try {
    const saved = (await readFile(path, 'utf8')).trim();
    if (saved.length >= 16) return saved;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(24).toString('base64url');
  await writeFileAtomic(path, `${token}\n`, 0o600);
  return token;
}

type Call = { metadata: grpc.Metadata };

/** A control call refused with a status of its own (the host's routing: no such peer, peer stopped). */
export class ControlCallError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
    this.name = 'ControlCallError';
  }
}

/**
 * The peer a Control call is for: the one peer of a `peerlab peer`, or the hosted peer its
 * metadata names. `ended` aborts when that peer stops, which ends its Events streams.
 */
export interface RoutedPeer {
  peer: Peer;
  ended?: AbortSignal;
}

/** Finds the peer a call is for from its metadata, or throws a ControlCallError. */
export type PeerRouter = (metadata: grpc.Metadata) => RoutedPeer;

export function authorized(call: Call, expected: Buffer): boolean {
  return bearerMatches(String(call.metadata.get('authorization')[0] ?? ''), expected);
}

export const UNAUTHENTICATED = { code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong control token (metadata "authorization: Bearer <token>")' };

/**
 * Maps an error from the peer to a gRPC status a client can act on. The message is cut to
 * fit a header: an oversized grpc-message would leave the client hanging until its deadline.
 */
export function toStatus(err: unknown): Partial<grpc.StatusObject> {
  const details = statusDetails(err instanceof Error ? err.message : String(err));
  if (err instanceof ControlCallError) return { code: err.code, details };
  if (err instanceof SendError) return { code: grpc.status.INVALID_ARGUMENT, details };
  if (err instanceof Error && err.name === 'LimitError') return { code: grpc.status.RESOURCE_EXHAUSTED, details };
  return { code: grpc.status.INTERNAL, details };
}

/**
 * Wraps a unary handler with the token check, the field limits (`problem`) and error
 * mapping; the handler may throw a ControlCallError for a status of its own.
 */
export function guardedUnary<Req extends object, Res>(
  token: Buffer,
  problem: (request: Req) => string | undefined,
  handle: (request: Req, metadata: grpc.Metadata) => Res | Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    if (!authorized(call, token)) return callback(UNAUTHENTICATED);
    const issue = problem(call.request);
    if (issue) return callback({ code: grpc.status.INVALID_ARGUMENT, details: issue });
    Promise.resolve()
      .then(() => handle(call.request, call.metadata))
      .then((response) => callback(null, response))
      .catch((err) => callback(toStatus(err)));
  };
}

/** A Control method: the field limits of `method`, then `handle` with the peer the call is routed to. */
function unary<Req extends object, Res>(token: Buffer, method: ControlMethod, route: PeerRouter, handle: (peer: Peer, request: Req) => Res | Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return guardedUnary<Req, Res>(token, (request) => requestProblem(method, request), (request, metadata) => handle(route(metadata).peer, request));
}

/** How a control server listens and whom it serves. */
export interface ControlServeOptions {
  host: string;
  port: number;
  token: string;
  route: PeerRouter;
  /** What Whoami reports as the web UI's port (0: off; hosted peers have none). */
  webPort?: number;
  /** More services on the same server and token (the host's own). */
  addServices?(server: grpc.Server, token: Buffer, port: () => number): void;
}

/** A running control API server. */
export class ControlServer implements AsyncDisposable {
  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
  ) {}

  /** Serves the control API of `peer` on host:port (0 picks a port); `webPort` is what Whoami reports of the web UI (0: off). */
  static start(peer: Peer, host: string, port: number, tokenText: string, webPort = 0): Promise<ControlServer> {
    return ControlServer.serve({ host, port, token: tokenText, route: () => ({ peer }), webPort });
  }

  /** Serves the Control service, each call answered by the peer `route` finds for it, and any further services. */
  static async serve(options: ControlServeOptions): Promise<ControlServer> {
    const { host, port, route, webPort = 0 } = options;
    const token = Buffer.from(options.token);
    // Room for a value far over its field's limit to reach the check that names field and limit.
    const server = new grpc.Server({ 'grpc.max_receive_message_length': LIMITS.controlRequestBytes });
    server.addService(ControlService, {
      whoami: unary(token, 'whoami', route, (peer) => ({
        id: peer.identity.id,
        name: peer.options.name,
        fingerprint: peer.identity.fingerprint,
        host: peer.selfAddress,
        grpcPort: peer.grpcPort,
        controlPort: boundPort,
        publicKeyHex: peer.identity.publicKey.toString('hex'),
        version: PEERLAB_VERSION,
        webPort,
      })),
      listPeers: unary(token, 'listPeers', route, (peer) => ({ peers: peer.peers() })),
      send: unary(token, 'send', route, (peer, request: { to: string; text: string }) => peer.send(request.to, request.text)),
      history: unary(token, 'history', route, (peer, request: { peer: string; limit: number }) => ({
        entries: peer.historyWith(request.peer, Math.min(request.limit || 100, 10_000)),
      })),
      stats: unary(token, 'stats', route, (peer) => peer.stats()),
      say: unary(token, 'say', route, (peer, request: { room: string; text: string }) => peer.say(request.room || EVERYONE, request.text)),
      joinRoom: unary(token, 'joinRoom', route, async (peer, request: { room: string }) => ({ rooms: await peer.joinRoom(request.room) })),
      leaveRoom: unary(token, 'leaveRoom', route, async (peer, request: { room: string }) => ({ rooms: await peer.leaveRoom(request.room) })),
      roomHistory: unary(token, 'roomHistory', route, (peer, request: { room: string; limit: number }) => ({
        entries: peer.roomHistory(request.room || EVERYONE, Math.min(request.limit || 100, 10_000)),
      })),
      trust: unary(token, 'trust', route, async (peer, request: { name: string; peer: string }) => {
        const bound = await peer.trustName(request.name, request.peer);
        return { ...bound, previousId: bound.previousId ?? '' };
      }),
      events: (call: grpc.ServerWritableStream<EventsRequest, ControlEvent>) => {
        if (!authorized(call, token)) {
          call.emit('error', UNAUTHENTICATED);
          return;
        }
        let routed: RoutedPeer;
        try {
          routed = route(call.metadata);
        } catch (err) {
          call.emit('error', toStatus(err));
          return;
        }
        streamEvents(call, routed);
      },
    });
    options.addServices?.(server, token, () => boundPort);
    const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(new Error(`control API cannot listen on ${target}: ${err.message}`)) : resolve(p),
      ),
    );
    return new ControlServer(server, boundPort);
  }

  /** Stops at once: event streams never end by themselves, so a graceful shutdown would wait forever. */
  async stop(): Promise<void> {
    this.server.forceShutdown();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Streams a peer's events to one subscriber until it cancels, falls too far behind, or the peer stops. */
function streamEvents(call: grpc.ServerWritableStream<EventsRequest, ControlEvent>, { peer, ended }: RoutedPeer): void {
  const listener = (event: PeerEvent) => {
    const message = toControlEvent(event);
    if (!message) return;
    // A subscriber that stops reading must not make the peer buffer without bound.
    if (call.writableLength > MAX_BUFFERED_EVENTS) {
      cleanup();
      call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: 'event subscriber too slow' });
      return;
    }
    call.write(message);
  };
  // A hosted peer that stops ends its streams, as the connection to a peer process that exits would.
  const onEnded = () => {
    cleanup();
    call.emit('error', { code: grpc.status.UNAVAILABLE, details: `peer ${peer.options.name} stopped` });
  };
  const cleanup = () => {
    peer.events.off('event', listener);
    ended?.removeEventListener('abort', onEnded);
  };
  if (ended?.aborted) return onEnded();
  peer.events.on('event', listener);
  ended?.addEventListener('abort', onEnded, { once: true });
  call.on('cancelled', cleanup);
  call.on('close', cleanup);
  call.on('error', cleanup);
  // Headers now, so a client knows it is subscribed before the first event.
  call.sendMetadata(new grpc.Metadata());
  // What went wrong while the peer started (store damage) happened before anyone could
  // subscribe: every subscriber hears it first, with its original time.
  for (const event of peer.startupEvents) listener(event);
}
