/**
 * Hard limits on every size the peer accepts from a remote or a user.
 * One place, so the README, the errors and the tests agree.
 */
export const LIMITS = {
  /** A discovery datagram: stays under a typical 1280-byte IPv6 minimum MTU minus headers. */
  announcementBytes: 1200,
  /** Known-peer hints carried in one announcement (further bounded by announcementBytes). */
  knownPeersPerAnnouncement: 16,
  /** A display name, in UTF-8 bytes. */
  nameBytes: 64,
  /** A direct message's text, in UTF-8 bytes. */
  messageTextBytes: 16 * 1024,
  /** One sealed frame's ciphertext; also the gRPC max message size on the wire server. */
  frameBytes: 256 * 1024,
  /** Items batched into one frame. */
  itemsPerFrame: 256,
  /** A handshake message. */
  handshakeBytes: 1024,
  /** Peers kept in the peer table; the least recently heard are dropped first. */
  peerTableSize: 4096,
  /** A host name or address, in bytes. */
  hostBytes: 255,
  /** A message id, in bytes. */
  messageIdBytes: 64,
  /** Messages waiting in the outbox, over all recipients. */
  outboxMessages: 100_000,
  /** One record in an append-only log, in bytes. */
  logRecordBytes: 1024 * 1024,
} as const;

/** Protocol version carried in announcements and handshakes. */
export const PROTOCOL_VERSION = 1;

/** Thrown when a size or count is over its limit; names the value and the limit. */
export class LimitError extends Error {
  constructor(what: string, actual: number, limit: number, unit = 'bytes') {
    super(unit === 'bytes' ? `${what} is ${actual} bytes, over the limit of ${limit}` : `${what} holds ${actual} ${unit}, the limit`);
    this.name = 'LimitError';
  }
}

/** Byte length of a string as UTF-8. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
