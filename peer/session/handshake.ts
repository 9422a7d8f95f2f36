/**
 * The authenticated key exchange, as pure functions (computation, no IO):
 * a two-flight SIGMA-style handshake over the insecure Handshake RPC.
 *
 *   init  (I -> R): I's identity key, a fresh X25519 key, a nonce, the id I
 *                   expects to reach; signed by I.
 *   reply (R -> I): R's identity key, a fresh X25519 key, a session id; signed
 *                   by R over a hash that covers the whole init.
 *
 * Each side proves it holds the identity key its id is derived from. A
 * replayed init gets a reply nobody can use (the replayer lacks I's ephemeral
 * private key), and the first sealed frame confirms the keys. Session keys
 * come from HKDF over the X25519 secret, salted with the transcript hash.
 */
import { createHash } from 'node:crypto';
import type { HandshakeInit, HandshakeReply } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { Crypto, X25519KeyPair } from '../core/crypto.js';
import { nodeCrypto } from '../crypto/node-crypto.js';
import { idFromPublicKey, type Identity } from '../identity/identity.js';
import { nameProblem } from '../discovery/announcement-fields.js';
import { PROTOCOL_VERSION } from '../limits.js';

/** An X25519 key pair used for one handshake only. */
export type EphemeralKey = X25519KeyPair;

/** Directional AEAD keys of one session, from this side's point of view. */
export interface SessionKeys {
  readonly sessionId: Buffer;
  readonly sendKey: Buffer;
  readonly receiveKey: Buffer;
}

/** Why a handshake was refused; the message names what did not check out. */
export class HandshakeError extends Error {
  constructor(
    readonly reason: 'version' | 'malformed' | 'bad_signature' | 'wrong_peer' | 'id_mismatch' | 'banned',
    message: string,
  ) {
    super(message);
    this.name = 'HandshakeError';
  }
}

/** A fresh X25519 key pair. */
export function generateEphemeralKey(crypto: Crypto = nodeCrypto): EphemeralKey {
  return crypto.x25519KeyPair();
}

/** Length-prefixed concatenation under a label, so no two field lists encode alike. */
function transcript(label: string, fields: (Uint8Array | string | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(label)];
  for (const field of fields) {
    const bytes =
      typeof field === 'number' ? Buffer.from(String(field)) : typeof field === 'string' ? Buffer.from(field) : Buffer.from(field);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}

function initTranscript(init: HandshakeInit): Buffer {
  return transcript('peerlab/hs-init/v1', [
    init.version,
    init.identityKey,
    init.ephemeralKey,
    init.nonce,
    init.responderId,
    init.name,
    init.grpcPort,
  ]);
}

function replyTranscript(init: HandshakeInit, reply: HandshakeReply): Buffer {
  const initHash = createHash('sha256').update(initTranscript(init)).update(init.signature).digest();
  return transcript('peerlab/hs-reply/v1', [initHash, reply.identityKey, reply.ephemeralKey, reply.name, reply.sessionId]);
}

/** Builds the initiator's signed first flight. */
export function createInit(
  identity: Identity,
  ephemeral: EphemeralKey,
  fields: { nonce: Uint8Array; responderId: string; name: string; grpcPort: number },
): HandshakeInit {
  const init: HandshakeInit = {
    version: PROTOCOL_VERSION,
    identityKey: identity.publicKey,
    ephemeralKey: ephemeral.publicKey,
    nonce: Buffer.from(fields.nonce),
    responderId: fields.responderId,
    name: fields.name,
    grpcPort: fields.grpcPort,
    signature: Buffer.alloc(0),
  };
  init.signature = identity.sign(initTranscript(init));
  return init;
}

/** Checks an init on the responder; returns the initiator's id, derived from its key. */
export function verifyInit(init: HandshakeInit, selfId: string, crypto: Crypto = nodeCrypto): string {
  if (init.version !== PROTOCOL_VERSION) {
    throw new HandshakeError('version', `handshake version ${init.version} is not supported (this peer speaks ${PROTOCOL_VERSION})`);
  }
  if (init.identityKey.length !== 32 || init.ephemeralKey.length !== 32 || init.nonce.length !== 16) {
    throw new HandshakeError('malformed', 'handshake init has a key or nonce of the wrong length');
  }
  if (nameProblem(init.name) !== undefined || init.grpcPort > 65535) {
    throw new HandshakeError('malformed', `handshake init has an invalid name (it ${nameProblem(init.name) ?? 'is fine'}) or a port out of range`);
  }
  if (init.responderId !== selfId) {
    throw new HandshakeError('wrong_peer', `handshake init is meant for ${init.responderId.slice(0, 12)}, not this peer`);
  }
  if (!crypto.verify(init.identityKey, initTranscript(init), init.signature)) {
    throw new HandshakeError('bad_signature', 'handshake init signature does not verify with the key it carries');
  }
  return idFromPublicKey(init.identityKey);
}

/** Builds the responder's signed reply and the session keys, from the responder's side. */
export function createReply(
  identity: Identity,
  ephemeral: EphemeralKey,
  init: HandshakeInit,
  fields: { name: string; sessionId: Uint8Array },
  crypto: Crypto = nodeCrypto,
): { reply: HandshakeReply; keys: SessionKeys } {
  const reply: HandshakeReply = {
    identityKey: identity.publicKey,
    ephemeralKey: ephemeral.publicKey,
    name: fields.name,
    sessionId: Buffer.from(fields.sessionId),
    signature: Buffer.alloc(0),
  };
  const replyBytes = replyTranscript(init, reply);
  reply.signature = identity.sign(replyBytes);
  const keys = deriveKeys(crypto, ephemeral, init.ephemeralKey, replyBytes, reply.sessionId, 'responder');
  return { reply, keys };
}

/** Checks a reply on the initiator against the id it meant to reach; returns the session keys. */
export function verifyReply(
  init: HandshakeInit,
  reply: HandshakeReply,
  ephemeral: EphemeralKey,
  expectedId: string,
  crypto: Crypto = nodeCrypto,
): SessionKeys {
  if (reply.identityKey.length !== 32 || reply.ephemeralKey.length !== 32 || reply.sessionId.length !== 16) {
    throw new HandshakeError('malformed', 'handshake reply has a key or session id of the wrong length');
  }
  const nameIssue = nameProblem(reply.name);
  if (nameIssue !== undefined) throw new HandshakeError('malformed', `handshake reply name ${nameIssue}`);
  const actualId = idFromPublicKey(reply.identityKey);
  if (actualId !== expectedId) {
    throw new HandshakeError(
      'id_mismatch',
      `peer at this address presented key ${actualId.slice(0, 12)}…, which does not hash to the id it announced (${expectedId.slice(0, 12)}…)`,
    );
  }
  const replyBytes = replyTranscript(init, reply);
  if (!crypto.verify(reply.identityKey, replyBytes, reply.signature)) {
    throw new HandshakeError('bad_signature', 'handshake reply signature does not verify');
  }
  return deriveKeys(crypto, ephemeral, reply.ephemeralKey, replyBytes, reply.sessionId, 'initiator');
}

function deriveKeys(
  crypto: Crypto,
  ephemeral: EphemeralKey,
  peerEphemeral: Uint8Array,
  transcriptBytes: Buffer,
  sessionId: Uint8Array,
  role: 'initiator' | 'responder',
): SessionKeys {
  let secret: Buffer;
  try {
    secret = crypto.x25519(ephemeral.privateKey, peerEphemeral);
  } catch {
    throw new HandshakeError('malformed', 'ephemeral key is not a valid X25519 public key');
  }
  // An all-zero secret means a low-order point was sent: refuse, as RFC 7748 advises.
  if (secret.every((b) => b === 0)) throw new HandshakeError('malformed', 'ephemeral key is a low-order point');
  const salt = createHash('sha256').update(transcriptBytes).digest();
  const okm = crypto.hkdf(secret, salt, 'peerlab/session/v1', 64);
  const initiatorToResponder = okm.subarray(0, 32);
  const responderToInitiator = okm.subarray(32, 64);
  return role === 'initiator'
    ? { sessionId: Buffer.from(sessionId), sendKey: initiatorToResponder, receiveKey: responderToInitiator }
    : { sessionId: Buffer.from(sessionId), sendKey: responderToInitiator, receiveKey: initiatorToResponder };
}
