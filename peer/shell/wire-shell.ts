/**
 * The gRPC half of sessions: serves the PeerWire API, makes the Handshake
 * calls the core asks for, and runs the sealed streams. Every call, reply and
 * frame goes to the core as an event; the core's session actions come back
 * here. Nothing is decided here (who to dial, whom to trust, when to close).
 */
import * as grpc from '@grpc/grpc-js';
import {
  type HandshakeInit,
  type HandshakeReply,
  PeerWireClient,
  PeerWireService,
  type SealedFrame,
  type SignedAnnouncement,
} from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { Action } from '../core/actions.js';
import type { CallId, CoreEvent, DialId, SessionId } from '../core/events.js';
import type { Counters } from '../counters.js';
import { LIMITS, statusDetails } from '../limits.js';
import { FrameCipher } from '../session/frame-cipher.js';
import type { SessionKeys } from '../session/handshake.js';
import { Session, type FrameStream } from '../session/session.js';
import { normalizeAddress, type ConnectionEvents } from '../session/wire-listener.js';
import { grpcTarget, hostOfPeer, SESSION_METADATA_KEY, WIRE_GRPC_OPTIONS } from './wire-options.js';

export interface WireShellOptions {
  feed(event: CoreEvent): void;
  counters: Counters;
  /** Told which connections completed a Handshake or Exchange, or carry a session (the wire listener). */
  connections: ConnectionEvents;
}

type WireAction = Extract<
  Action,
  { type: 'transmit' | 'dial' | 'open_stream' | 'answer_handshake' | 'accept_stream' | 'refuse_stream' | 'close_session' | 'answer_exchange' }
>;

interface Call<T> {
  callback: grpc.sendUnaryData<T>;
  peer: string;
}

export class WireShell {
  private readonly handshakes = new Map<CallId, Call<HandshakeReply>>();
  private readonly exchanges = new Map<CallId, Call<SignedAnnouncement>>();
  private readonly inbound = new Map<SessionId, grpc.ServerDuplexStream<SealedFrame, SealedFrame>>();
  private readonly sessions = new Map<SessionId, Session>();
  private readonly dials = new Map<DialId, PeerWireClient>();
  private readonly clients = new Map<string, PeerWireClient>();
  private nextCall = 1;
  private nextInbound = 1;

  constructor(private readonly options: WireShellOptions) {}

  /** Mounts the PeerWire service on a gRPC server. */
  addToServer(server: grpc.Server): void {
    const { feed } = this.options;
    server.addService(PeerWireService, {
      exchange: (call: grpc.ServerUnaryCall<SignedAnnouncement, SignedAnnouncement>, callback: grpc.sendUnaryData<SignedAnnouncement>) => {
        const id = this.nextCall++;
        this.exchanges.set(id, { callback, peer: call.getPeer() });
        feed({ type: 'exchange_received', call: id, request: call.request, fromHost: hostOfPeer(call.getPeer()) });
      },
      handshake: (call: grpc.ServerUnaryCall<HandshakeInit, HandshakeReply>, callback: grpc.sendUnaryData<HandshakeReply>) => {
        const id = this.nextCall++;
        this.handshakes.set(id, { callback, peer: call.getPeer() });
        feed({ type: 'handshake_received', call: id, init: call.request, address: normalizeAddress(hostOfPeer(call.getPeer())) });
      },
      session: (call: grpc.ServerDuplexStream<SealedFrame, SealedFrame>) => {
        const id = `a${this.nextInbound++}`;
        this.inbound.set(id, call);
        feed({ type: 'stream_opened', session: id, sessionKey: String(call.metadata.get(SESSION_METADATA_KEY)[0] ?? '') });
      },
    });
  }

  /** Carries out one of the core's session actions. */
  execute(action: WireAction): void {
    switch (action.type) {
      case 'transmit': {
        const session = this.sessions.get(action.session);
        if (session) for (const item of action.items) session.send(item);
        return;
      }
      case 'dial':
        return this.dial(action.dial, action.host, action.port, action.init, action.timeoutMs);
      case 'open_stream':
        return this.openStream(action.dial, action.session, action.keys);
      case 'answer_handshake': {
        const call = this.handshakes.get(action.call);
        if (!call) return;
        this.handshakes.delete(action.call);
        if ('refusal' in action) {
          const code = action.refusal.code === 'resource_exhausted' ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.UNAUTHENTICATED;
          return call.callback({ code, details: statusDetails(action.refusal.message) });
        }
        this.options.connections.progressed(call.peer);
        return call.callback(null, action.reply);
      }
      case 'answer_exchange': {
        const call = this.exchanges.get(action.call);
        if (!call) return;
        this.exchanges.delete(action.call);
        if ('error' in action) return call.callback({ code: grpc.status.INVALID_ARGUMENT, details: statusDetails(action.error) });
        this.options.connections.progressed(call.peer);
        return call.callback(null, action.reply);
      }
      case 'accept_stream':
        return this.accept(action.session, action.keys);
      case 'refuse_stream': {
        const call = this.inbound.get(action.session);
        this.inbound.delete(action.session);
        call?.emit('error', { code: grpc.status.UNAUTHENTICATED, details: action.message });
        return;
      }
      case 'close_session':
        this.sessions.get(action.session)?.close(action.reason, action.violation ? new Error(action.reason) : undefined);
        return;
    }
  }

  /** Closes every client (the core has closed the sessions). */
  stop(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
    this.dials.clear();
  }

  private dial(dial: DialId, host: string, port: number, init: HandshakeInit, timeoutMs: number): void {
    const client = this.clientFor(host, port);
    this.dials.set(dial, client);
    client.handshake(init, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, reply) => {
      if (!this.dials.has(dial)) return;
      if (err) {
        this.dials.delete(dial);
        this.options.feed({ type: 'handshake_failed', dial, message: `handshake with ${host}:${port} failed: ${err.details || err.message}` });
      } else {
        this.options.feed({ type: 'handshake_replied', dial, reply });
      }
    });
  }

  private openStream(dial: DialId, id: SessionId, keys: SessionKeys): void {
    const client = this.dials.get(dial);
    this.dials.delete(dial);
    if (!client) return;
    const metadata = new grpc.Metadata();
    metadata.set(SESSION_METADATA_KEY, keys.sessionId.toString('hex'));
    const call = client.session(metadata);
    this.track(id, keys, call, () => call.cancel());
  }

  private accept(id: SessionId, keys: SessionKeys): void {
    const call = this.inbound.get(id);
    this.inbound.delete(id);
    if (!call) return;
    const connection = call.getPeer();
    let opened = false;
    const session = this.track(
      id,
      keys,
      call,
      (reason, error) => {
        if (error) call.emit('error', { code: grpc.status.PERMISSION_DENIED, details: statusDetails(reason) });
        else call.end();
      },
      // The responder's stream proves itself with its first frame that opens under the session keys.
      () => {
        if (opened) return;
        opened = true;
        this.options.connections.sessionOpened(connection);
      },
      () => {
        if (opened) this.options.connections.sessionClosed(connection);
      },
    );
    call.on('cancelled', () => session.close('cancelled by peer', undefined, false));
  }

  private track(
    id: SessionId,
    keys: SessionKeys,
    stream: FrameStream,
    finish: (reason: string, error?: Error) => void,
    onFrame = () => {},
    onEnd = () => {},
  ): Session {
    const { counters, feed } = this.options;
    const session = new Session(new FrameCipher(keys, LIMITS.frameBytes), stream, finish, {
      count: (name, by) => counters.add(name, by),
      onItems: (_s, items) => {
        onFrame();
        feed({ type: 'items_received', session: id, items });
      },
      onClose: (_s, reason) => {
        onEnd();
        this.sessions.delete(id);
        feed({ type: 'session_closed', session: id, reason });
      },
    });
    this.sessions.set(id, session);
    return session;
  }

  private clientFor(host: string, port: number): PeerWireClient {
    const target = grpcTarget(host, port);
    let client = this.clients.get(target);
    if (!client) {
      client = new PeerWireClient(target, grpc.credentials.createInsecure(), WIRE_GRPC_OPTIONS);
      this.clients.set(target, client);
    }
    return client;
  }
}
