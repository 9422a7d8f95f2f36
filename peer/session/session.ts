/**
 * One live secure stream to one authenticated peer: the shell's half of a
 * session (the core's half, who the peer is and whether to keep it, is
 * core/session-core.ts).
 *
 * Items queued in the same tick go out together in one sealed frame (several
 * messages per gRPC message is what makes sealing cheaper than the raw
 * stream's per-message framing). While the stream pushes back, items keep
 * accumulating and go in the next frame. Any frame that fails to open closes
 * the session: counters can no longer line up after a bad frame.
 */
import { FramePayload, Item, type SealedFrame } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { LIMITS } from '../limits.js';
import { FrameError, type FrameCipher } from './frame-cipher.js';

/** The gRPC duplex stream under a session, client or server side. */
export interface FrameStream {
  write(frame: SealedFrame): boolean;
  once(event: 'drain', listener: () => void): unknown;
  on(event: 'data', listener: (frame: SealedFrame) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
}

export interface SessionHandlers {
  onItems(session: Session, items: Item[]): void;
  onClose(session: Session, reason: string): void;
  /** Counts a named event (frames rejected and why). */
  count(name: string, by?: number): void;
}

/** Bytes a protobuf length-delimited field header can take: 1 tag byte + up to 5 varint bytes. */
const FIELD_HEADER_MAX = 6;
const TAG_ITEMS = 0x0a; // field 1, wire type 2 (length-delimited)

export class Session {
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private flushScheduled = false;
  private blocked = false;
  private closed = false;

  constructor(
    private readonly cipher: FrameCipher,
    private readonly stream: FrameStream,
    private readonly finish: (reason: string, error?: Error) => void,
    private readonly handlers: SessionHandlers,
  ) {
    stream.on('data', (frame) => this.receive(frame));
    stream.on('error', (error) => this.close(`stream error: ${error.message}`, undefined, false));
    stream.on('end', () => this.close('stream ended by peer', undefined, false));
    stream.on('close', () => this.close('stream closed', undefined, false));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Queues an item for the next frame. */
  send(item: Item): void {
    if (this.closed) return;
    const bytes = Item.encode(item).finish();
    // Start a new frame early if this item would push the current one over the limit.
    if (this.queuedBytes + bytes.length + FIELD_HEADER_MAX > LIMITS.frameBytes - 64) this.flush();
    this.queue.push(bytes);
    this.queuedBytes += bytes.length + FIELD_HEADER_MAX;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /** Ends the session; `finish` ends the underlying call (cancel or status). */
  close(reason: string, error?: Error, notifyStream = true): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    if (notifyStream) this.finish(reason, error);
    this.handlers.onClose(this, reason);
  }

  private flush(): void {
    while (!this.closed && !this.blocked && this.queue.length > 0) {
      const count = Math.min(this.queue.length, LIMITS.itemsPerFrame);
      const batch = this.queue.splice(0, count);
      let bytes = 0;
      for (const item of batch) bytes += item.length + FIELD_HEADER_MAX;
      this.queuedBytes -= bytes;
      const { counter, ciphertext } = this.cipher.seal(encodePayload(batch));
      this.handlers.count('session.frames_sent');
      this.handlers.count('session.items_sent', batch.length);
      if (!this.stream.write({ counter, ciphertext })) {
        this.blocked = true;
        this.stream.once('drain', () => {
          this.blocked = false;
          this.flush();
        });
      }
    }
  }

  private receive(frame: SealedFrame): void {
    if (this.closed) return;
    let payload: FramePayload;
    try {
      payload = FramePayload.decode(this.cipher.open(frame.counter, frame.ciphertext));
    } catch (err) {
      const reason = err instanceof FrameError ? err.reason : 'malformed';
      this.handlers.count(`session.frames_rejected.${reason}`);
      this.close(`frame rejected (${reason}): ${(err as Error).message}`, err as Error);
      return;
    }
    if (payload.items.length > LIMITS.itemsPerFrame) {
      this.handlers.count('session.frames_rejected.too_many_items');
      this.close(`frame carries ${payload.items.length} items, over the limit of ${LIMITS.itemsPerFrame}`);
      return;
    }
    this.handlers.count('session.frames_received');
    this.handlers.onItems(this, payload.items);
  }
}

/** Encodes already-encoded items as a FramePayload (a repeated field is just its entries back to back). */
function encodePayload(items: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const item of items) size += 1 + varintLength(item.length) + item.length;
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const item of items) {
    out[offset++] = TAG_ITEMS;
    let length = item.length;
    while (length > 0x7f) {
      out[offset++] = (length & 0x7f) | 0x80;
      length >>>= 7;
    }
    out[offset++] = length;
    out.set(item, offset);
    offset += item.length;
  }
  return out;
}

function varintLength(value: number): number {
  let length = 1;
  while (value > 0x7f) {
    value >>>= 7;
    length++;
  }
  return length;
}
