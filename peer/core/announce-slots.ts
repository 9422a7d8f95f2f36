/**
 * This peer's side of the announcement hash chain (see announcement-verifier.ts): which
 * slot an announcement made now takes, its seq and sent_at_ms, and when to start a new
 * chain. No IO: the wall clock and random bytes are passed in.
 */
import type { AnnounceChain } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { HashChain, type ChainStep } from '../discovery/hash-chain.js';

/** Slots in one chain: at the default 1 s slot, a new chain (one more signature check per receiver) every 68 minutes. */
export const CHAIN_SLOTS = 4096;
/** The slot of a LAN-paced peer (or its interval, if shorter): one slot per announcement. */
export const BASE_SLOT_MS = 1000;

/**
 * The slot for announcements `intervalMs` apart, given the slot in use. A receiver checks
 * a repeat with one hash per slot passed, so the slot follows the interval: when a crowd
 * slows the pace to N / bound seconds, a 1 s slot would cost every reception N / bound
 * hashes (56 at 1,000 peers and 20 a second, about 80 µs here, 1.6 cores over the fleet).
 * Two limits: an announcement's sent_at_ms is its slot's start, so a slot is at most half
 * the freshness window (the other half is for clock drift); and each change starts a new
 * chain (one signature check per receiver), so slots are the base times a power of two and
 * grow only to fit a longer interval, shrinking only when the interval is shorter than the
 * slot (announcements would then run ahead of the clock, see next()).
 */
export function slotFor(intervalMs: number, windowMs: number, currentSlotMs: number): number {
  const longest = Math.min(intervalMs, windowMs / 2);
  if (longest < BASE_SLOT_MS) return Math.max(1, Math.floor(longest));
  let slot = BASE_SLOT_MS;
  while (slot * 2 <= longest) slot *= 2;
  const shrink = currentSlotMs > intervalMs || currentSlotMs > windowMs / 2;
  return slot > currentSlotMs || shrink ? slot : currentSlotMs;
}

/** What an announcement made now says of its time and order. */
export interface SlotClaim {
  seq: number;
  sentAtMs: number;
  chain: AnnounceChain;
}

export class AnnounceSlots {
  private chain: HashChain | undefined;
  private startMs = 0;
  private firstSeq = 0;
  private slot = -1;
  private lastSeq = -1;

  constructor(
    private slotMs: number,
    private readonly randomBytes: (length: number) => Buffer,
    private readonly chainStep: ChainStep,
  ) {}

  /**
   * The slot for an announcement at `wallMs`. A new slot each time (one may run up to a
   * slot ahead of the clock when announcements come faster than slots); with `reuse`, the
   * last slot again when the clock has not passed it (an Exchange answer between two
   * announcements must not run the chain ahead).
   */
  next(wallMs: number, reuse = false): SlotClaim {
    let slot = this.chain ? Math.floor((wallMs - this.startMs) / this.slotMs) : -1;
    const steppedBack = slot < this.slot - 1;
    if (this.chain && !steppedBack && slot <= this.slot) slot = reuse ? this.slot : this.slot + 1;
    // A new chain at first, when this one is used up, and when the clock stepped back more than a slot.
    if (!this.chain || steppedBack || slot >= CHAIN_SLOTS) slot = this.newChain(wallMs);
    this.slot = slot;
    this.lastSeq = this.firstSeq + slot;
    return {
      seq: this.lastSeq,
      sentAtMs: this.startMs + slot * this.slotMs,
      chain: { startMs: this.startMs, slotMs: this.slotMs, slot, element: this.chain!.elementAt(slot) },
    };
  }

  /** Slot length in use (the chain's), or the one the next chain takes. */
  get currentSlotMs(): number {
    return this.slotMs;
  }

  /** A new slot length takes effect with a new chain, at the next announcement. */
  setSlotMs(slotMs: number): void {
    if (slotMs === this.slotMs) return;
    this.slotMs = slotMs;
    this.chain = undefined;
  }

  private newChain(wallMs: number): number {
    this.chain = new HashChain(this.randomBytes(32), CHAIN_SLOTS, this.chainStep);
    this.startMs = wallMs;
    // Starts from the wall clock, so a restarted peer's announcements are newer than its old ones.
    this.firstSeq = Math.max(wallMs, this.lastSeq + 1);
    return 0;
  }
}
