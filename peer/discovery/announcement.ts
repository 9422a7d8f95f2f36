/**
 * The discovery announcement codec: builds signed announcement packets and checks
 * received ones. Pure functions, no IO; the same bytes travel over UDP multicast
 * and the Exchange RPC.
 */
import type { Crypto } from '../core/crypto.js';
import { nodeCrypto } from '../crypto/node-crypto.js';
import { idFromPublicKey, type Identity } from '../identity/identity.js';
import { LIMITS, PROTOCOL_VERSION, quote } from '../limits.js';
import { Announcement, SignedAnnouncement, type KnownPeer } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { hostProblem, isValidKnownPeer, nameProblem, portProblem } from './announcement-fields.js';

/** Domain separation: an announcement signature can never be replayed as another kind of signature. */
export const ANNOUNCE_SIGNING_CONTEXT = Buffer.from('peerlab/announce/v1', 'utf8');

/** Why a received packet was dropped; each one is a counter. */
export const DROP_REASONS = [
  'oversized',
  'malformed',
  'unknown_version',
  'bad_signature',
  'id_mismatch',
  'invalid_field',
] as const;

/** One of DROP_REASONS. */
export type DropReason = (typeof DROP_REASONS)[number];

/** The outcome of checking a received packet. */
export type DecodeResult = { ok: true; announcement: Announcement } | { ok: false; reason: DropReason };

/** What a peer says about itself in an announcement. */
export interface AnnouncementFields {
  name: string;
  grpcPort: number;
  /** Must increase with every announcement of this identity (start it at the wall clock in ms). */
  seq: number;
  /** The sender's wall clock (ms since the epoch) now; receivers refuse it outside their freshness window. */
  sentAtMs: number;
  /** Hints; invalid ones are left out, and the tail is cut to fit the packet. */
  knownPeers: KnownPeer[];
  /** Address to dial instead of the packet's source address. */
  host?: string;
}

/** Thrown by encodeAnnouncement for a field the local user or caller got wrong. */
export class AnnouncementFieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'AnnouncementFieldError';
  }
}

const ED25519_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
const PLACEHOLDER_SIGNATURE = Buffer.alloc(ED25519_SIGNATURE_BYTES);

/** Builds, signs and encodes this peer's announcement; throws AnnouncementFieldError for bad fields. */
export function encodeAnnouncement(identity: Identity, fields: AnnouncementFields): Buffer {
  const host = fields.host ?? '';
  const problems: Array<[string, unknown, string | undefined]> = [
    ['name', fields.name, nameProblem(fields.name)],
    ['grpcPort', fields.grpcPort, portProblem(fields.grpcPort)],
    ['host', host, host === '' ? undefined : hostProblem(host)],
    ['seq', fields.seq, nonNegativeIntegerProblem(fields.seq)],
    ['sentAtMs', fields.sentAtMs, nonNegativeIntegerProblem(fields.sentAtMs)],
  ];
  for (const [field, value, problem] of problems) {
    if (problem !== undefined) {
      throw new AnnouncementFieldError(field, `Announcement ${field} ${quote(value)} ${problem}`);
    }
  }
  const announcement: Announcement = {
    version: PROTOCOL_VERSION,
    publicKey: identity.publicKey,
    id: identity.id,
    name: fields.name,
    grpcPort: fields.grpcPort,
    seq: fields.seq,
    host,
    sentAtMs: fields.sentAtMs,
    knownPeers: fields.knownPeers.filter(isValidKnownPeer).slice(0, LIMITS.knownPeersPerAnnouncement),
  };
  // Every signature is 64 bytes, so the size can be settled before the (costlier) signing.
  let body = Announcement.encode(announcement).finish();
  while (signedSize(body) > LIMITS.announcementBytes && announcement.knownPeers.length > 0) {
    announcement.knownPeers.pop();
    body = Announcement.encode(announcement).finish();
  }
  if (signedSize(body) > LIMITS.announcementBytes) {
    // Unreachable while the name and host limits stay small; guards a future limit change.
    throw new AnnouncementFieldError('announcement', `Announcement is ${signedSize(body)} bytes, over the limit of ${LIMITS.announcementBytes}`);
  }
  return signBody(identity, body);
}

/**
 * Signs an announcement exactly as given, without any check. For tests and tools
 * that craft packets (unknown versions, mismatched ids); peers use encodeAnnouncement.
 */
export function signAnnouncement(identity: Identity, announcement: Announcement): Buffer {
  return signBody(identity, Announcement.encode(announcement).finish());
}

/** Checks a received packet. Never throws, whatever the bytes: a bad packet yields a drop reason. */
export function decodeAnnouncement(bytes: Uint8Array, crypto: Crypto = nodeCrypto): DecodeResult {
  if (bytes.length > LIMITS.announcementBytes) return { ok: false, reason: 'oversized' };
  let signed: SignedAnnouncement;
  try {
    signed = SignedAnnouncement.decode(bytes);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  return verifyAnnouncement(signed, crypto);
}

/**
 * Checks an already-decoded SignedAnnouncement (what the Exchange RPC receives).
 * Never throws. Cheap checks come first; the signature, the costly one, last.
 */
export function verifyAnnouncement(signed: SignedAnnouncement, crypto: Crypto = nodeCrypto): DecodeResult {
  try {
    const { body, signature } = signed;
    if (body.length + signature.length > LIMITS.announcementBytes) return { ok: false, reason: 'oversized' };
    if (body.length === 0 || signature.length !== ED25519_SIGNATURE_BYTES) return { ok: false, reason: 'malformed' };
    let announcement: Announcement;
    try {
      announcement = Announcement.decode(body);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    // A future version may give fields new meanings: judge nothing else of it.
    if (announcement.version !== PROTOCOL_VERSION) return { ok: false, reason: 'unknown_version' };
    if (announcement.publicKey.length !== ED25519_KEY_BYTES) return { ok: false, reason: 'malformed' };
    if (announcement.id !== idFromPublicKey(announcement.publicKey)) return { ok: false, reason: 'id_mismatch' };
    if (!hasValidFields(announcement)) return { ok: false, reason: 'invalid_field' };
    const signedBytes = Buffer.concat([ANNOUNCE_SIGNING_CONTEXT, body]);
    if (!crypto.verify(announcement.publicKey, signedBytes, signature)) return { ok: false, reason: 'bad_signature' };
    return { ok: true, announcement };
  } catch {
    // Nothing above should throw; if a library does, the packet is still only dropped.
    return { ok: false, reason: 'malformed' };
  }
}

function nonNegativeIntegerProblem(n: number): string | undefined {
  return Number.isSafeInteger(n) && n >= 0 ? undefined : 'must be a non-negative safe integer';
}

function hasValidFields(a: Announcement): boolean {
  return (
    nameProblem(a.name) === undefined &&
    portProblem(a.grpcPort) === undefined &&
    (a.host === '' || hostProblem(a.host) === undefined) &&
    a.knownPeers.length <= LIMITS.knownPeersPerAnnouncement &&
    a.knownPeers.every(isValidKnownPeer)
  );
}

function signBody(identity: Identity, body: Uint8Array): Buffer {
  const signature = identity.sign(Buffer.concat([ANNOUNCE_SIGNING_CONTEXT, body]));
  return Buffer.from(SignedAnnouncement.encode({ body: Buffer.from(body), signature }).finish());
}

function signedSize(body: Uint8Array): number {
  return SignedAnnouncement.encode({ body: Buffer.from(body), signature: PLACEHOLDER_SIGNATURE }).finish().length;
}
