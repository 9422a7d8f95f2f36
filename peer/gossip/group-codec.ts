/**
 * Group messages: signed by their author, checked at every hop (pure
 * functions; the signature check is the costly part, so cheap checks go first).
 * The id is sha256(body)[0:16]: it names the exact content, so an altered
 * body is a different message with no valid signature.
 */
import { createHash } from 'node:crypto';
import { GroupBody, type GroupMessage } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { HlcTimestamp } from '../core/hlc.js';
import type { Crypto } from '../core/crypto.js';
import { nodeCrypto } from '../crypto/node-crypto.js';
import { idFromPublicKey, type Identity } from '../identity/identity.js';
import { nameProblem } from '../discovery/announcement-fields.js';
import { LIMITS, utf8Length } from '../limits.js';

const SIGNING_CONTEXT = Buffer.from('peerlab/group/v1');

/** The room every peer is in: what /broadcast sends to. */
export const EVERYONE = 'everyone';

/** Why a group message was refused. */
export type GroupRejectReason = 'malformed' | 'too_large' | 'bad_author' | 'bad_signature' | 'invalid_field';

/** A group message that passed every check. */
export interface VerifiedGroupMessage {
  /** Hex of sha256(body)[0:16]. */
  readonly id: string;
  readonly body: GroupBody;
  readonly wire: GroupMessage;
}

/** The id of a group message body. */
export function groupMessageId(body: Uint8Array): string {
  return createHash('sha256').update(body).digest().subarray(0, 16).toString('hex');
}

/** A problem with a room name, or undefined when it is fine. */
export function roomProblem(room: string): string | undefined {
  const bytes = utf8Length(room);
  if (bytes === 0 || bytes > LIMITS.nameBytes) return `room name must be 1–${LIMITS.nameBytes} bytes, got ${bytes}`;
  if (/[\s\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(room)) return 'room name must not contain spaces or control characters';
  return undefined;
}

/** Writes and signs a new group message. */
export function createGroupMessage(
  identity: Identity,
  fields: { authorName: string; room: string; text: string; hlc: HlcTimestamp; ttl: number },
): VerifiedGroupMessage {
  const body: GroupBody = {
    authorId: identity.id,
    authorName: fields.authorName,
    room: fields.room,
    text: fields.text,
    hlcWallMs: fields.hlc.wallMs,
    hlcLogical: fields.hlc.logical,
  };
  const bodyBytes = Buffer.from(GroupBody.encode(body).finish());
  const signature = identity.sign(Buffer.concat([SIGNING_CONTEXT, bodyBytes]));
  return {
    id: groupMessageId(bodyBytes),
    body,
    wire: { body: bodyBytes, signature, authorKey: identity.publicKey, ttl: fields.ttl, hops: 0 },
  };
}

/** Checks a group message received from anyone; never throws. */
export function verifyGroupMessage(wire: GroupMessage, crypto: Crypto = nodeCrypto): { ok: true; message: VerifiedGroupMessage } | { ok: false; reason: GroupRejectReason } {
  if (wire.body.length > LIMITS.messageTextBytes + 512) return { ok: false, reason: 'too_large' };
  if (wire.authorKey.length !== 32 || wire.signature.length !== 64) return { ok: false, reason: 'malformed' };
  let body: GroupBody;
  try {
    body = GroupBody.decode(wire.body);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (body.authorId !== idFromPublicKey(wire.authorKey)) return { ok: false, reason: 'bad_author' };
  if (
    utf8Length(body.text) === 0 ||
    utf8Length(body.text) > LIMITS.messageTextBytes ||
    nameProblem(body.authorName) !== undefined ||
    roomProblem(body.room) !== undefined ||
    !Number.isSafeInteger(body.hlcWallMs)
  ) {
    return { ok: false, reason: 'invalid_field' };
  }
  if (!crypto.verify(wire.authorKey, Buffer.concat([SIGNING_CONTEXT, wire.body]), wire.signature)) {
    return { ok: false, reason: 'bad_signature' };
  }
  return { ok: true, message: { id: groupMessageId(wire.body), body, wire } };
}
