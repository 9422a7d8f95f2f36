/**
 * The initiator's side of the handshake, from docs/wire-protocol.md: a signed
 * init over the Handshake RPC, the reply checked against the responder id the
 * attacker meant to reach, and the session keys from X25519 + HKDF-SHA256.
 */
import { createHash, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { wireClient, wireMethod, type ProtoObject } from './protos.js';
import { HS_INIT_LABEL, HS_REPLY_LABEL, PROTOCOL_VERSION, SESSION_KEY_INFO } from './protocol.js';
import { idOf, rawPublicKey, type AttackerIdentity } from './wire.js';

/** Directional AES-256-GCM keys of one session, from the attacker's (initiator's) side. */
export interface SessionKeys {
  sessionId: Buffer;
  sendKey: Buffer;
  receiveKey: Buffer;
}

const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Label, then each field as a 4-byte big-endian length and its bytes; numbers as decimal ASCII. */
export function transcript(label: string, fields: (Uint8Array | string | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(label)];
  for (const field of fields) {
    const bytes = typeof field === 'number' ? Buffer.from(String(field)) : Buffer.from(field);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}

interface Init {
  version: number;
  identityKey: Buffer;
  ephemeralKey: Buffer;
  nonce: Buffer;
  responderId: string;
  name: string;
  grpcPort: number;
  signature: Buffer;
}

interface Reply {
  identityKey: Buffer;
  ephemeralKey: Buffer;
  name: string;
  sessionId: Buffer;
  signature: Buffer;
}

function initTranscript(init: Init): Buffer {
  return transcript(HS_INIT_LABEL, [init.version, init.identityKey, init.ephemeralKey, init.nonce, init.responderId, init.name, init.grpcPort]);
}

function replyTranscript(init: Init, reply: Reply): Buffer {
  const initHash = createHash('sha256').update(initTranscript(init)).update(init.signature).digest();
  return transcript(HS_REPLY_LABEL, [initHash, reply.identityKey, reply.ephemeralKey, reply.name, reply.sessionId]);
}

/** A signed HandshakeInit for `responderId`, and the ephemeral X25519 key it carries. */
export function buildInit(
  identity: AttackerIdentity,
  responderId: string,
  fields: { name: string; grpcPort: number; nonce?: Buffer },
): { init: Record<string, unknown>; ephemeral: { publicKey: Buffer; privateKey: KeyObject } } {
  const { privateKey } = generateKeyPairSync('x25519');
  const ephemeral = { publicKey: rawPublicKey(privateKey), privateKey };
  const init: Init = {
    version: PROTOCOL_VERSION,
    identityKey: identity.publicKey,
    ephemeralKey: ephemeral.publicKey,
    nonce: fields.nonce ?? randomBytes(16),
    responderId,
    name: fields.name,
    grpcPort: fields.grpcPort,
    signature: Buffer.alloc(0),
  };
  init.signature = identity.sign(initTranscript(init));
  return { init: { ...init }, ephemeral };
}

type CallResult = { ok: true; reply: Record<string, unknown> } | { ok: false; code: number; details: string };

function callHandshake(client: grpc.Client, init: Record<string, unknown>, timeoutMs: number): Promise<CallResult> {
  const method = wireMethod('Handshake');
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      init,
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err: grpc.ServiceError | null, reply?: ProtoObject) =>
        resolve(err || !reply ? { ok: false, code: err?.code ?? grpc.status.UNKNOWN, details: err?.details ?? 'no reply' } : { ok: true, reply }),
    );
  });
}

/** Sends an init (well formed or not) to the Handshake RPC at `address` ("host:port"); reports the reply or the status. */
export async function sendInit(address: string, init: Record<string, unknown>, timeoutMs = 10_000): Promise<CallResult> {
  const client = wireClient(address);
  try {
    return await callHandshake(client, init, timeoutMs);
  } finally {
    client.close();
  }
}

/**
 * A complete handshake with the peer at `address` whose id must be `responderId`.
 * Throws when the peer refuses the init or its reply does not check out. The client
 * is left open for the Session stream.
 */
export async function handshake(
  address: string,
  identity: AttackerIdentity,
  responderId: string,
  fields: { name: string; grpcPort?: number },
): Promise<{ keys: SessionKeys; reply: Record<string, unknown>; client: grpc.Client }> {
  const { init, ephemeral } = buildInit(identity, responderId, { name: fields.name, grpcPort: fields.grpcPort ?? 1 });
  const client = wireClient(address);
  const result = await callHandshake(client, init, 10_000);
  if (!result.ok) {
    client.close();
    throw new Error(`handshake with ${address} refused: ${grpc.status[result.code] ?? result.code} ${result.details}`);
  }
  try {
    const keys = checkReply(init as unknown as Init, result.reply as unknown as Reply, ephemeral.privateKey, responderId);
    return { keys, reply: result.reply, client };
  } catch (err) {
    client.close();
    throw err;
  }
}

function checkReply(init: Init, reply: Reply, ephemeralPrivate: KeyObject, responderId: string): SessionKeys {
  if (reply.identityKey.length !== 32 || reply.ephemeralKey.length !== 32 || reply.sessionId.length !== 16) {
    throw new Error('handshake reply has a key or session id of the wrong length');
  }
  const actualId = idOf(reply.identityKey);
  if (actualId !== responderId) throw new Error(`handshake reply comes from ${actualId}, not ${responderId}`);
  const replyBytes = replyTranscript(init, reply);
  const responderKey = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, reply.identityKey]), format: 'der', type: 'spki' });
  if (!verify(null, replyBytes, responderKey, reply.signature)) throw new Error('handshake reply signature does not verify');
  const peerEphemeral = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, reply.ephemeralKey]), format: 'der', type: 'spki' });
  const secret = diffieHellman({ privateKey: ephemeralPrivate, publicKey: peerEphemeral });
  const salt = createHash('sha256').update(replyBytes).digest();
  const okm = Buffer.from(hkdfSync('sha256', secret, salt, SESSION_KEY_INFO, 64));
  // First half: initiator -> responder; second half: responder -> initiator.
  return { sessionId: Buffer.from(reply.sessionId), sendKey: okm.subarray(0, 32), receiveKey: okm.subarray(32, 64) };
}
