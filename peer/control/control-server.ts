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

function authorized(call: Call, expected: Buffer): boolean {
  return bearerMatches(String(call.metadata.get('authorization')[0] ?? ''), expected);
}

const UNAUTHENTICATED = { code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong control token (metadata "authorization: Bearer <token>")' };

/**
 * Maps an error from the peer to a gRPC status a client can act on. The message is cut to
 * fit a header: an oversized grpc-message would leave the client hanging until its deadline.
 */
function toStatus(err: unknown): Partial<grpc.StatusObject> {
  const details = statusDetails(err instanceof Error ? err.message : String(err));
  if (err instanceof SendError) return { code: grpc.status.INVALID_ARGUMENT, details };
  if (err instanceof Error && err.name === 'LimitError') return { code: grpc.status.RESOURCE_EXHAUSTED, details };
  return { code: grpc.status.INTERNAL, details };
}

/** Wraps a unary handler with the token check, the field limits and error mapping. */
function unary<Req extends object, Res>(token: Buffer, method: ControlMethod, handle: (request: Req) => Res | Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    if (!authorized(call, token)) return callback(UNAUTHENTICATED);
    const problem = requestProblem(method, call.request);
    if (problem) return callback({ code: grpc.status.INVALID_ARGUMENT, details: problem });
    Promise.resolve()
      .then(() => handle(call.request))
      .then((response) => callback(null, response))
      .catch((err) => callback(toStatus(err)));
  };
}

/** A running control API server. */
export class ControlServer implements AsyncDisposable {
  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
  ) {}

  /** Serves the control API of `peer` on host:port (0 picks a port); `webPort` is what Whoami reports of the web UI (0: off). */
  static async start(peer: Peer, host: string, port: number, tokenText: string, webPort = 0): Promise<ControlServer> {
    const token = Buffer.from(tokenText);
    // Room for a value far over its field's limit to reach the check that names field and limit.
    const server = new grpc.Server({ 'grpc.max_receive_message_length': LIMITS.controlRequestBytes });
    server.addService(ControlService, {
      whoami: unary(token, 'whoami', () => ({
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
      listPeers: unary(token, 'listPeers', () => ({ peers: peer.peers() })),
      send: unary(token, 'send', (request: { to: string; text: string }) => peer.send(request.to, request.text)),
      history: unary(token, 'history', (request: { peer: string; limit: number }) => ({
        entries: peer.historyWith(request.peer, Math.min(request.limit || 100, 10_000)),
      })),
      stats: unary(token, 'stats', () => peer.stats()),
      say: unary(token, 'say', (request: { room: string; text: string }) => peer.say(request.room || EVERYONE, request.text)),
      joinRoom: unary(token, 'joinRoom', async (request: { room: string }) => ({ rooms: await peer.joinRoom(request.room) })),
      leaveRoom: unary(token, 'leaveRoom', async (request: { room: string }) => ({ rooms: await peer.leaveRoom(request.room) })),
      roomHistory: unary(token, 'roomHistory', (request: { room: string; limit: number }) => ({
        entries: peer.roomHistory(request.room || EVERYONE, Math.min(request.limit || 100, 10_000)),
      })),
      trust: unary(token, 'trust', async (request: { name: string; peer: string }) => {
        const bound = await peer.trustName(request.name, request.peer);
        return { ...bound, previousId: bound.previousId ?? '' };
      }),
      events: (call: grpc.ServerWritableStream<EventsRequest, ControlEvent>) => {
        if (!authorized(call, token)) {
          call.emit('error', UNAUTHENTICATED);
          return;
        }
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
        const cleanup = () => peer.events.off('event', listener);
        peer.events.on('event', listener);
        call.on('cancelled', cleanup);
        call.on('close', cleanup);
        call.on('error', cleanup);
        // Headers now, so a client knows it is subscribed before the first event.
        call.sendMetadata(new grpc.Metadata());
        // What went wrong while the peer started (store damage) happened before anyone could
        // subscribe: every subscriber hears it first, with its original time.
        for (const event of peer.startupEvents) listener(event);
      },
    });
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
