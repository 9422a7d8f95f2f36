/**
 * One peer's egress as the lab's path shapes it, netem's model for what a peer sends:
 * every chunk (a TCP read, a UDP datagram) waits `delay ± uniform jitter`, is "lost" with
 * the loss probability, and with a bandwidth queues behind a token bucket shared by all
 * of the peer's connections. What "lost" means is the carrier's business: a datagram is
 * dropped; a TCP chunk cannot be (the proxy would corrupt the stream), so it arrives one
 * retransmission timeout late, as TCP would resend it.
 */
import { isUnshaped, type LinkShape } from '../../network-faults.js';

/** The shape of a peer nobody shaped. */
export const NO_SHAPE: LinkShape = { delayMs: 0, jitterMs: 0, loss: 0, bandwidthBps: 0 };

/**
 * How late a "lost" TCP chunk arrives: Linux's minimum retransmission timeout (200 ms),
 * which is what a lost segment costs on a loopback-fast path with little in flight.
 */
export const RETRANSMIT_MS = 200;

/** The token bucket holds this much of the rate (tbf's rule of thumb), at least one MTU. */
const BURST_MS = 10;
const MIN_BURST_BYTES = 1500;

/** When a chunk may go on, and whether it was lost on the way. */
export interface Fate {
  /** Earliest time to deliver it, on the clock `now` was read from (ms). */
  at: number;
  lost: boolean;
}

/** The shaping state of one peer's egress. */
export class Egress {
  private current: LinkShape = NO_SHAPE;
  /** Bytes the bucket holds; negative while chunks queue for the rate. */
  private tokens = 0;
  private tokensAt = 0;

  /** `random` (0..1) draws jitter and loss; seeded, so a peer's draws repeat from run to run. */
  constructor(private readonly random: () => number) {}

  get shape(): LinkShape {
    return this.current;
  }

  /** True when this egress adds nothing: bytes may go straight through. */
  get isPlain(): boolean {
    return isUnshaped(this.current);
  }

  setShape(shape: LinkShape): void {
    const bps = shape.bandwidthBps ?? 0;
    if (bps !== (this.current.bandwidthBps ?? 0)) {
      // A new rate starts with a full bucket, as a fresh tbf would.
      this.tokens = burstBytes(bps);
      this.tokensAt = Number.NEGATIVE_INFINITY;
    }
    this.current = { ...NO_SHAPE, ...shape };
  }

  /** The fate of `bytes` handed to this egress at `now` (ms). */
  fate(bytes: number, now: number): Fate {
    const { delayMs, jitterMs, loss } = this.current;
    const sent = this.transmitted(bytes, now);
    const jitter = jitterMs > 0 ? (this.random() * 2 - 1) * jitterMs : 0;
    return { at: sent + Math.max(0, delayMs + jitter), lost: loss > 0 && this.random() < loss };
  }

  /** When the last of `bytes` has passed the rate limit. */
  private transmitted(bytes: number, now: number): number {
    const bps = this.current.bandwidthBps ?? 0;
    if (!(bps > 0)) return now;
    const bytesPerMs = bps / 8000;
    const burst = burstBytes(bps);
    this.tokens = Math.min(burst, this.tokens + (now - this.tokensAt) * bytesPerMs);
    this.tokensAt = now;
    this.tokens -= bytes;
    return this.tokens >= 0 ? now : now - this.tokens / bytesPerMs;
  }
}

function burstBytes(bps: number): number {
  return Math.max(MIN_BURST_BYTES, (bps / 8000) * BURST_MS);
}

/** A seed from a peer's name, so each peer draws its own repeatable sequence. */
export function seedOf(name: string): number {
  return [...name].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);
}
