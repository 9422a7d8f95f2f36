/**
 * The discovery announcement codec: builds signed announcement packets and checks
 * received ones. Pure functions, no IO; the same bytes travel over UDP multicast
 * and the Exchange RPC.
 */
import type { Crypto } from '../core/crypto.js';
import { nodeCrypto } from '../crypto/node-crypto.js';
import { idFromPublicKey, type Identity } from '../identity/identity.js';
import { LIMITS, PROTOCOL_VERSION, quote } from '../limits.js';
import { Announcement, SignedAnnouncement, type AnnounceChain, type KnownPeer } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { hostProblem, isValidKnownPeer, nameProblem, portProblem } from './announcement-fields.js';
import { CHAIN_ELEMENT_BYTES } from './hash-chain.js';

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

/**
 * A received announcement that is well formed (size, protobuf, version, id, fields) but
 * whose signature is not checked yet: the core decides whether it needs to be
 * (peer/core/announcement-verifier.ts). `body` and `signature` are as received.
 */
export interface WellFormedAnnouncement {
  announcement: Announcement;
  body: Uint8Array;
  signature: Uint8Array;
}

/** The outcome of the checks before the signature. */
export type FormResult = ({ ok: true } & WellFormedAnnouncement) | { ok: false; reason: Exclude<DropReason, 'bad_signature'> };

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
  /** This announcement's hash-chain slot; `sentAtMs` must then be its slot time (startMs + slot × slotMs). */
  chain?: AnnounceChain;
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
    ['chain', fields.chain, fields.chain && chainProblem(fields.chain, fields.sentAtMs)],
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
    chain: fields.chain,
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

/** Checks a received packet, its signature included. Never throws, whatever the bytes: a bad packet yields a drop reason. */
export function decodeAnnouncement(bytes: Uint8Array, crypto: Crypto = nodeCrypto): DecodeResult {
  return verified(checkPacket(bytes), crypto);
}

/** Checks a received packet up to, not including, its signature. Never throws. */
export function checkPacket(bytes: Uint8Array): FormResult {
  if (bytes.length > LIMITS.announcementBytes) return { ok: false, reason: 'oversized' };
  let signed: SignedAnnouncement;
  try {
    signed = SignedAnnouncement.decode(bytes);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  return checkForm(signed);
}

/**
 * Checks an already-decoded SignedAnnouncement (what the Exchange RPC receives), its
 * signature included. Never throws. Cheap checks come first; the signature, the costly one, last.
 */
export function verifyAnnouncement(signed: SignedAnnouncement, crypto: Crypto = nodeCrypto): DecodeResult {
  return verified(checkForm(signed), crypto);
}

/** Checks a SignedAnnouncement up to, not including, its signature. Never throws. */
export function checkForm(signed: SignedAnnouncement): FormResult {
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
    return { ok: true, announcement, body, signature };
  } catch {
    // Nothing above should throw; if a library does, the packet is still only dropped.
    return { ok: false, reason: 'malformed' };
  }
}

/** True when the announcement's Ed25519 signature holds for the key it carries. */
export function signatureHolds(form: WellFormedAnnouncement, crypto: Crypto = nodeCrypto): boolean {
  try {
    return crypto.verify(form.announcement.publicKey, Buffer.concat([ANNOUNCE_SIGNING_CONTEXT, form.body]), form.signature);
  } catch {
    return false;
  }
}

function verified(form: FormResult, crypto: Crypto): DecodeResult {
  if (!form.ok) return form;
  return signatureHolds(form, crypto) ? { ok: true, announcement: form.announcement } : { ok: false, reason: 'bad_signature' };
}

/** Why a chain slot does not fit its announcement, or undefined. */
function chainProblem(chain: AnnounceChain, sentAtMs: number): string | undefined {
  if (chain.element.length !== CHAIN_ELEMENT_BYTES) return `element must be ${CHAIN_ELEMENT_BYTES} bytes, got ${chain.element.length}`;
  if (!Number.isSafeInteger(chain.startMs) || !(chain.slotMs >= 1)) return 'start_ms must be a safe integer and slot_ms at least 1';
  const slotTime = chain.startMs + chain.slot * chain.slotMs;
  return slotTime === sentAtMs ? undefined : `slot ${chain.slot} is at ${slotTime}, but sent_at_ms is ${sentAtMs}`;
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
    a.knownPeers.every(isValidKnownPeer) &&
    (a.chain === undefined || chainProblem(a.chain, a.sentAtMs) === undefined)
  );
}

function signBody(identity: Identity, body: Uint8Array): Buffer {
  const signature = identity.sign(Buffer.concat([ANNOUNCE_SIGNING_CONTEXT, body]));
  return Buffer.from(SignedAnnouncement.encode({ body: Buffer.from(body), signature }).finish());
}

function signedSize(body: Uint8Array): number {
  return SignedAnnouncement.encode({ body: Buffer.from(body), signature: PLACEHOLDER_SIGNATURE }).finish().length;
}
