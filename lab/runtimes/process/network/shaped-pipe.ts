/**
 * One direction of a proxied TCP connection: bytes read from `from` are written to `to`
 * no earlier than the sending peer's egress says, and always in the order they were read
 * (jitter stretches the gaps between chunks, never reorders them, as TCP would deliver
 * them). Unshaped and with nothing queued, a chunk is written at once. Backpressure
 * holds: the reader pauses while too much waits in the queue or in `to`'s buffer.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { RETRANSMIT_MS, type Egress } from './egress.js';

/** Pause reading when this much waits to be written; resume below half of it. */
const HIGH_WATER_BYTES = 1 << 20;

interface Held {
  at: number;
  /** null: the end of the stream (a FIN travels in order, like any segment). */
  chunk: Buffer | null;
}

export class ShapedPipe {
  private readonly queue: Held[] = [];
  private queuedBytes = 0;
  /** Release time of the last chunk queued: a later chunk never goes before it. */
  private lastAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Bytes written on, for the proxy's link table. */
  bytes = 0;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    /** The sending peer's egress, looked up per chunk: a `link` step applies to open connections too. */
    private readonly egress: () => Egress,
    private readonly now: () => number = () => performance.now(),
  ) {
    from.on('data', (chunk: Buffer) => this.push(chunk));
    from.on('end', () => this.push(null));
    to.on('drain', () => this.flow());
    // The HTTP server hands over a CONNECT socket paused; a 'data' listener alone would not resume it.
    from.resume();
  }

  /** Sends bytes that came with the CONNECT request before the tunnel was up. */
  pushHead(head: Buffer): void {
    if (head.length > 0) this.push(head);
  }

  /** Drops whatever is still queued; the sockets are the caller's to destroy. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private push(chunk: Buffer | null): void {
    if (this.closed) return;
    const egress = this.egress();
    if (egress.isPlain && this.queue.length === 0) {
      this.write(chunk);
      return;
    }
    const fate = egress.fate(chunk?.length ?? 0, this.now());
    const at = Math.max(fate.lost ? fate.at + RETRANSMIT_MS : fate.at, this.lastAt);
    this.lastAt = at;
    this.queue.push({ at, chunk });
    this.queuedBytes += chunk?.length ?? 0;
    this.flow();
    this.arm();
  }

  /** Writes every chunk that is due, then waits for the next one. */
  private release(): void {
    this.timer = undefined;
    const now = this.now();
    while (!this.closed && this.queue.length > 0 && this.queue[0]!.at <= now) {
      const { chunk } = this.queue.shift()!;
      this.queuedBytes -= chunk?.length ?? 0;
      this.write(chunk);
    }
    this.flow();
    this.arm();
  }

  private arm(): void {
    if (this.timer !== undefined || this.closed || this.queue.length === 0) return;
    // setTimeout may fire a fraction of a millisecond early: release() re-arms for the rest.
    const wait = Math.max(0, Math.ceil(this.queue[0]!.at - this.now()));
    this.timer = setTimeout(() => this.release(), wait);
  }

  private write(chunk: Buffer | null): void {
    if (this.to.destroyed) return;
    if (chunk === null) {
      this.to.end();
      return;
    }
    this.bytes += chunk.length;
    this.to.write(chunk);
    this.flow();
  }

  /** Pauses the reader while too much waits, resumes it once the backlog halved. */
  private flow(): void {
    const backlog = this.queuedBytes + this.to.writableLength;
    if (backlog > HIGH_WATER_BYTES && !this.from.isPaused()) this.from.pause();
    else if (backlog <= HIGH_WATER_BYTES / 2 && this.from.isPaused() && !this.closed) this.from.resume();
  }
}
