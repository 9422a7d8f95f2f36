/**
 * Identities and signed payloads of the wire protocol, built from
 * docs/wire-protocol.md and the .proto files: Ed25519 identities whose id is
 * hex(sha256(public key))[0:32], signed announcements, signed group messages.
 * Nothing is checked on the way out: an attacker may send whatever it likes.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { wireMessage, type ProtoObject } from './protos.js';
import { ANNOUNCE_CONTEXT, GROUP_CONTEXT, PROTOCOL_VERSION } from './protocol.js';

/** An Ed25519 identity the attacker holds. */
export interface AttackerIdentity {
  /** Raw 32-byte public key. */
  publicKey: Buffer;
  privateKey: KeyObject;
  /** hex(sha256(publicKey))[0:32]. */
  id: string;
  sign(data: Buffer): Buffer;
}

/** The peer id a raw Ed25519 public key hashes to. */
export function idOf(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex').slice(0, 32);
}

/** The raw key at the end of a DER SubjectPublicKeyInfo (Ed25519 and X25519 keys are 32 bytes). */
export function rawPublicKey(key: KeyObject): Buffer {
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return Buffer.from(spki.subarray(spki.length - 32));
}

/** A fresh Ed25519 identity. */
export function newIdentity(): AttackerIdentity {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = rawPublicKey(privateKey);
  return { publicKey, privateKey, id: idOf(publicKey), sign: (data) => sign(null, data, privateKey) };
}

export interface AnnouncementInput {
  name: string;
  grpcPort: number;
  seq: number;
  host?: string;
  knownPeers?: { id: string; name: string; host: string; grpcPort: number }[];
  version?: number;
  /** Sender's wall clock (ms); defaults to now when the loaded Announcement has the field. */
  sentAtMs?: number;
  /** Overrides, to forge a key or id that does not match the signer. */
  publicKey?: Buffer;
  id?: string;
}

const Announcement = wireMessage('Announcement');
const SignedAnnouncement = wireMessage('SignedAnnouncement');

/** Encodes and signs an announcement exactly as given; returns the SignedAnnouncement bytes. */
export function signAnnouncement(identity: AttackerIdentity, input: AnnouncementInput): Buffer {
  const announcement: ProtoObject = {
    version: input.version ?? PROTOCOL_VERSION,
    publicKey: input.publicKey ?? identity.publicKey,
    id: input.id ?? identity.id,
    name: input.name,
    grpcPort: input.grpcPort,
    seq: input.seq,
    knownPeers: input.knownPeers ?? [],
    host: input.host ?? '',
  };
  // The field is newer than some copies of wire.proto: set it only where the schema has it.
  if (Announcement.hasField('sentAtMs')) announcement.sentAtMs = input.sentAtMs ?? Date.now();
  else if (input.sentAtMs !== undefined) announcement.sentAtMs = input.sentAtMs;
  const body = Announcement.encode(announcement);
  const signature = identity.sign(Buffer.concat([Buffer.from(ANNOUNCE_CONTEXT), body]));
  return SignedAnnouncement.encode({ body, signature });
}

/** Decodes SignedAnnouncement bytes (a datagram, say) and its body; throws on bytes that do not parse. */
export function decodeSignedAnnouncement(bytes: Uint8Array): { announcement: Record<string, unknown>; body: Buffer; signature: Buffer } {
  const signed = SignedAnnouncement.decode(bytes) as { body: Buffer; signature: Buffer };
  return { announcement: Announcement.decode(signed.body), body: signed.body, signature: signed.signature };
}

export interface GroupInput {
  room: string;
  text: string;
  authorName: string;
  /** The author's hybrid logical clock; defaults to now and 0. */
  hlcWallMs?: number;
  hlcLogical?: number;
  /** Override, to forge an author that did not sign. */
  authorId?: string;
  ttl?: number;
  hops?: number;
}

const GroupBody = wireMessage('GroupBody');

/** A group message signed by `identity`, as an Item ready for sendItems, and its id (hex of sha256(body)[0:16]). */
export function signGroupMessage(identity: AttackerIdentity, input: GroupInput): { id: string; item: Record<string, unknown> } {
  const body = GroupBody.encode({
    authorId: input.authorId ?? identity.id,
    authorName: input.authorName,
    room: input.room,
    text: input.text,
    hlcWallMs: input.hlcWallMs ?? Date.now(),
    hlcLogical: input.hlcLogical ?? 0,
  });
  const signature = identity.sign(Buffer.concat([Buffer.from(GROUP_CONTEXT), body]));
  const group = { body, signature, authorKey: identity.publicKey, ttl: input.ttl ?? 8, hops: input.hops ?? 0 };
  return { id: createHash('sha256').update(body).digest().subarray(0, 16).toString('hex'), item: { group } };
}
