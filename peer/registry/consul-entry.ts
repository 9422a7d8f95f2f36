/**
 * How a peer's entry sits in Consul's service catalog: service `peerlab`, id
 * `peerlab-<peer id>`, Address the host to dial, and the signed announcement in
 * base64 across the Meta keys `announcement_0`, `announcement_1`, … (Consul caps a
 * Meta value at 512 characters; an announcement of up to 1200 bytes takes 4).
 */
import { LIMITS } from '../limits.js';

export const CONSUL_SERVICE = 'peerlab';
const ID_PREFIX = `${CONSUL_SERVICE}-`;
const META_KEY = 'announcement_';
/** Consul's documented limit on a Meta value's length. */
const META_VALUE_CHARS = 512;
const MAX_CHUNKS = Math.ceil(Math.ceil(LIMITS.announcementBytes / 3) * 4 / META_VALUE_CHARS);

/** The Consul service id of a peer. */
export function consulServiceId(peerId: string): string {
  return `${ID_PREFIX}${peerId}`;
}

/** The TTL check of a peer's service. */
export function consulCheckId(peerId: string): string {
  return `${consulServiceId(peerId)}-ttl`;
}

/** The peer id a service id names ('' when it names none). */
export function peerIdOfService(serviceId: unknown): string {
  return typeof serviceId === 'string' && serviceId.startsWith(ID_PREFIX) ? serviceId.slice(ID_PREFIX.length) : '';
}

/** The Meta pairs that carry an announcement. */
export function announcementMeta(packet: Uint8Array): Record<string, string> {
  const text = Buffer.from(packet).toString('base64');
  const meta: Record<string, string> = {};
  for (let i = 0; i * META_VALUE_CHARS < text.length; i++) meta[`${META_KEY}${i}`] = text.slice(i * META_VALUE_CHARS, (i + 1) * META_VALUE_CHARS);
  return meta;
}

/**
 * The announcement bytes a service's Meta carries, or undefined when the Meta is not
 * of that shape (missing, too many chunks, not base64). Never throws.
 */
export function announcementFromMeta(meta: unknown): Buffer | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const record = meta as Record<string, unknown>;
  let text = '';
  for (let i = 0; i <= MAX_CHUNKS; i++) {
    const chunk = record[`${META_KEY}${i}`];
    if (chunk === undefined) break;
    if (typeof chunk !== 'string' || chunk.length > META_VALUE_CHARS || i === MAX_CHUNKS) return undefined;
    text += chunk;
  }
  if (text === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}
