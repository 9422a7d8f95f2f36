/**
 * The size limit of every string field of every control API request, checked
 * before a call does any work. A test holds this table to the .proto, so a new
 * string field cannot arrive without its limit.
 */
import { LIMITS, overLimitMessage, utf8Length } from '../limits.js';

/** A peer named by a person: a name, an id, an id prefix, or a name with an id appended ("alice~3f2a9c1e"). */
const PEER_REFERENCE_BYTES = LIMITS.nameBytes + 1 + 32;

/** Limits in UTF-8 bytes, by method (as ControlService names it) and field (as the .proto names it). */
export const CONTROL_STRING_LIMITS = {
  whoami: {},
  listPeers: {},
  send: { to: PEER_REFERENCE_BYTES, text: LIMITS.messageTextBytes },
  history: { peer: PEER_REFERENCE_BYTES },
  events: {},
  stats: {},
  say: { room: LIMITS.nameBytes, text: LIMITS.messageTextBytes },
  joinRoom: { room: LIMITS.nameBytes },
  leaveRoom: { room: LIMITS.nameBytes },
  roomHistory: { room: LIMITS.nameBytes },
  trust: { name: LIMITS.nameBytes, peer: PEER_REFERENCE_BYTES },
} as const satisfies Record<string, Record<string, number>>;

export type ControlMethod = keyof typeof CONTROL_STRING_LIMITS;

/** The same for the Host service of `peerlab host` (host.proto). */
export const HOST_STRING_LIMITS = {
  listHostedPeers: {},
  startPeer: { name: LIMITS.nameBytes },
  stopPeer: { name: LIMITS.nameBytes },
  pausePeer: { name: LIMITS.nameBytes },
  unpausePeer: { name: LIMITS.nameBytes },
  stats: {},
} as const satisfies Record<string, Record<string, number>>;

export type HostMethod = keyof typeof HOST_STRING_LIMITS;

/** Why `request` cannot be taken as it is (a field over its limit), or undefined when it is fine. */
export function requestProblem(method: ControlMethod, request: object): string | undefined {
  return fieldProblem(CONTROL_STRING_LIMITS[method], request);
}

/** Why a Host `request` cannot be taken as it is, or undefined when it is fine. */
export function hostRequestProblem(method: HostMethod, request: object): string | undefined {
  return fieldProblem(HOST_STRING_LIMITS[method], request);
}

function fieldProblem(limits: Readonly<Record<string, number>>, request: object): string | undefined {
  for (const [field, limit] of Object.entries(limits)) {
    const value = (request as Record<string, unknown>)[field];
    if (typeof value !== 'string') continue;
    const bytes = utf8Length(value);
    if (bytes > limit) return overLimitMessage(field, bytes, limit, value);
  }
  return undefined;
}
