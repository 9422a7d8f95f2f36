import { isPeerId } from '../identity/identity.js';
import { LIMITS, utf8Length } from '../limits.js';
import type { KnownPeer } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';

// C0/C1 controls (terminal escapes, newlines) and the bidi overrides that can make a
// name render as something else ("Trojan Source"): a remote's name ends up on screens.
const UNPRINTABLE = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

// What an IPv4/IPv6 literal or a DNS name can contain (with an IPv6 zone "%eth0"):
// keeps spaces, slashes and URL syntax out of anything that is later dialled.
const HOST_CHARS = /^[A-Za-z0-9._:%\-[\]]+$/;

/** Shown between a name and an id prefix (`alice~3f2a9c1e`) when two ids claim one name; no name may contain it. */
export const NAME_SEPARATOR = '~';

/** Why a display name is unacceptable, or undefined when it is fine. */
export function nameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'is empty';
  const bytes = utf8Length(name);
  if (bytes > LIMITS.nameBytes) return `is ${bytes} bytes, over the limit of ${LIMITS.nameBytes}`;
  if (UNPRINTABLE.test(name)) return 'contains control or bidi-override characters';
  if (name.includes(NAME_SEPARATOR)) return `contains "${NAME_SEPARATOR}", which is kept for telling apart peers that claim one name`;
  return undefined;
}

/** Why a host name or address is unacceptable, or undefined when it is fine. */
export function hostProblem(host: string): string | undefined {
  if (host === '') return 'is empty';
  const bytes = utf8Length(host);
  if (bytes > LIMITS.hostBytes) return `is ${bytes} bytes, over the limit of ${LIMITS.hostBytes}`;
  if (!HOST_CHARS.test(host)) return 'contains characters not allowed in a host name or address';
  return undefined;
}

/** Why a TCP port is unacceptable, or undefined when it is fine. */
export function portProblem(port: number): string | undefined {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return 'must be an integer from 1 to 65535';
  return undefined;
}

/** True when a known-peer hint is well formed (it is still unverified). */
export function isValidKnownPeer(peer: KnownPeer): boolean {
  return (
    isPeerId(peer.id) &&
    nameProblem(peer.name) === undefined &&
    hostProblem(peer.host) === undefined &&
    portProblem(peer.grpcPort) === undefined
  );
}
