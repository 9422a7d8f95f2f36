/**
 * Mallory's side of the wire protocol, for tests: a real handshake under an
 * identity the test holds, then the raw sealed stream, so a test can send
 * frames a well-behaved peer never would.
 */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { FramePayload, PeerWireClient, type HandshakeReply, type Item, type SealedFrame } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { Identity } from '../../peer/identity/identity.js';
import { FrameCipher } from '../../peer/session/frame-cipher.js';
import { createInit, generateEphemeralKey, verifyReply } from '../../peer/session/handshake.js';
import { SESSION_METADATA_KEY } from '../../peer/shell/wire-options.js';

export interface HostileSession {
  client: PeerWireClient;
  stream: grpc.ClientDuplexStream<SealedFrame, SealedFrame>;
  /** Resolves with the status the peer ended the stream with. */
  ended: Promise<grpc.StatusObject>;
  /** Seals items as the next frame (does not send it). */
  seal(items: Item[]): SealedFrame;
  /** Seals and sends items. */
  send(items: Item[]): void;
  /** Items the peer sent us, opened. */
  received: Item[];
  close(): void;
}

/** Opens a session to the peer at 127.0.0.1:`port` whose id is `peerId`, as `identity`. */
export async function openHostileSession(identity: Identity, peerId: string, port: number, name = 'mallory'): Promise<HostileSession> {
  const client = new PeerWireClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const ephemeral = generateEphemeralKey();
  const init = createInit(identity, ephemeral, { nonce: randomBytes(16), responderId: peerId, name, grpcPort: 1 });
  const reply = await new Promise<HandshakeReply>((resolve, reject) =>
    client.handshake(init, (err, res) => (err ? reject(err) : resolve(res))),
  );
  const keys = verifyReply(init, reply, ephemeral, peerId);
  const metadata = new grpc.Metadata();
  metadata.set(SESSION_METADATA_KEY, keys.sessionId.toString('hex'));
  const stream = client.session(metadata);
  const ended = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
  stream.on('error', () => undefined);
  const cipher = new FrameCipher(keys, 1 << 20);
  const received: Item[] = [];
  stream.on('data', (frame: SealedFrame) => received.push(...FramePayload.decode(cipher.open(frame.counter, frame.ciphertext)).items));
  const seal = (items: Item[]): SealedFrame => cipher.seal(FramePayload.encode({ items }).finish());
  return {
    client,
    stream,
    ended,
    seal,
    send: (items) => stream.write(seal(items)),
    received,
    close: () => {
      stream.cancel();
      client.close();
    },
  };
}
