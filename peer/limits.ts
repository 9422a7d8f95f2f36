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
  /** Handshakes answered whose Session stream has not arrived yet, over all remotes. */
  pendingHandshakes: 1024,
  /**
   * Pending handshakes from one remote address: an eighth of the table, so one address
   * (one host, or a NAT) can never take it all, while a host running many peers (the lab
   * runs hundreds on 127.0.0.1) still fits: an honest dialler's entry lives only the one
   * round trip between the reply and its stream.
   */
  pendingHandshakesPerAddress: 128,
  /**
   * Pending handshakes claiming one peer id. An honest peer has one at a time (a few while
   * it retries); at the cap its oldest is dropped rather than the new one refused, so
   * replayed old inits of a peer cannot lock the real peer out.
   */
  pendingHandshakesPerId: 4,
  /**
   * A control API request, in bytes (gRPC's receive limit on the control server). The
   * largest valid request is a Send or Say with a 16 KiB text (~16.1 KiB); eight times
   * that lets a value far over its field's limit still reach the check that names the
   * field and the limit (INVALID_ARGUMENT), and gRPC refuses anything larger itself.
   */
  controlRequestBytes: 8 * (16 * 1024 + 64 + 64),
  /** Characters of an offending value an error message quotes (see `quote`). */
  quotedChars: 100,
  /**
   * Characters of an error message sent as a gRPC status: the message travels in a
   * header (grpc-message), and a client refuses headers over its limit (16 KiB by default),
   * leaving the call hanging until its deadline.
   */
  statusDetailsChars: 1024,
} as const;

/** Protocol version carried in announcements and handshakes. */
export const PROTOCOL_VERSION = 1;

/** "X is N bytes, over the limit of L", quoting the value (cut short) when given. */
export function overLimitMessage(what: string, actual: number, limit: number, value?: string): string {
  return `${what} is ${actual} bytes, over the limit of ${limit}${value === undefined ? '' : `: ${quote(value)}`}`;
}

/** Thrown when a size or count is over its limit; names the value and the limit. */
export class LimitError extends Error {
  constructor(what: string, actual: number, limit: number, unit = 'bytes', value?: string) {
    super(unit === 'bytes' ? overLimitMessage(what, actual, limit, value) : `${what} holds ${actual} ${unit}, the limit`);
    this.name = 'LimitError';
  }
}

/** Byte length of a string as UTF-8. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The first `maxChars` UTF-16 units of `text`, never splitting a surrogate pair. */
export function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = /[\uD800-\uDBFF]/.test(text[maxChars - 1] ?? '') ? maxChars - 1 : maxChars;
  return text.slice(0, cut);
}

/**
 * An offending value as an error message shows it: JSON-quoted (so control characters
 * and quotes are visible) and cut to `LIMITS.quotedChars` characters, with the full size
 * after a cut. Every error that names a value a user or a remote gave uses this, so no
 * error grows with its input.
 */
export function quote(value: unknown): string {
  if (typeof value !== 'string') {
    const json = JSON.stringify(value) ?? String(value);
    return json.length <= LIMITS.quotedChars ? json : `${truncate(json, LIMITS.quotedChars)}…`;
  }
  if (value.length <= LIMITS.quotedChars) return JSON.stringify(value);
  return `${JSON.stringify(truncate(value, LIMITS.quotedChars))}… (${utf8Length(value)} bytes)`;
}

/** An error message cut to fit a gRPC status (a header): see `LIMITS.statusDetailsChars`. */
export function statusDetails(message: string): string {
  return message.length <= LIMITS.statusDetailsChars ? message : `${truncate(message, LIMITS.statusDetailsChars)}…`;
}
