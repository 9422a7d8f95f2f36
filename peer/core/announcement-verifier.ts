/**
 * Checks who sent an announcement, with as few Ed25519 signature checks as it can.
 * A peer has one; the peers of one `peerlab host` share one (it is a pure judge of
 * packets they all hear), so a host checks each packet's chain once, not once per peer.
 *
 * Every announcement is signed, but its signed bytes change each time (seq, sent_at_ms),
 * so a cache of verified bytes would never hit. Instead an announcement carries the next
 * element of its sender's one-way hash chain (wire.proto AnnounceChain,
 * peer/discovery/hash-chain.ts). Once a signature has vouched for one element of a
 * chain, a later announcement of that chain proves itself by hashing its element back to
 * the one vouched for: only the holder of the chain's secret can reveal an element
 * before its slot, and a slot is a point in time (start_ms + slot × slot_ms) under the
 * first signature, so freshness and order hold as with a signature. A repeat costs a
 * map lookup and a hash per slot passed (the announce interval over the slot: the slot
 * follows the interval, see announce-slots.ts slotFor, so about one).
 *
 * Such a repeat is believed only for what the signature vouched for: its seq and
 * sent_at_ms are worked out from the chain (the ones in the packet are ignored), and its
 * key, name, port, host and chain must be the ones vouched for; anything else is checked
 * by signature again. Its known-peer hints are not covered, so the caller does not read
 * them (docs/wire-protocol.md, "Cheap repeats").
 */
import type { Announcement, AnnounceChain } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { Counters } from '../counters.js';
import { signatureHolds, type WellFormedAnnouncement } from '../discovery/announcement.js';
import { chainLinks } from '../discovery/hash-chain.js';
import type { Crypto } from './crypto.js';

/**
 * Most slots a repeat may skip and still be checked by hashing: past this (a peer not
 * heard for a long while) a signature check is cheaper, and a forged packet can never
 * make a receiver hash more than this.
 */
export const MAX_CHAIN_SKIP = 64;

/** What one signature vouched for, and the latest element of its chain seen since. */
interface Vouched {
  publicKey: Uint8Array;
  name: string;
  grpcPort: number;
  host: string;
  startMs: number;
  slotMs: number;
  slot: number;
  element: Uint8Array;
  /** The seq of `slot`: seq rises by one per slot within a chain. */
  seq: number;
}

export class AnnouncementVerifier {
  // Least recently heard first, so the bound drops the longest-silent sender.
  private readonly vouched = new Map<string, Vouched>();

  constructor(
    private readonly crypto: Crypto,
    private readonly maxSenders: number,
  ) {}

  /**
   * How the announcement was found to be its sender's: by its `signature`, or as a
   * repeat by its `chain` (its seq and sent_at_ms are then set from the chain; its hints
   * are not covered). False: forged (count it as bad_signature). The checks made are
   * counted in `counters` (the judging peer's).
   */
  verify(form: WellFormedAnnouncement, counters: Counters): 'signature' | 'chain' | false {
    const { announcement } = form;
    const known = this.vouched.get(announcement.id);
    const chain = announcement.chain;
    if (known && chain && sameClaims(known, announcement, chain)) {
      const skip = chain.slot - known.slot;
      if (Math.abs(skip) <= MAX_CHAIN_SKIP) return this.byChain(known, announcement, chain, skip, counters);
    }
    counters.add('discovery.signature_checks');
    if (!signatureHolds(form, this.crypto)) return false;
    // A replay of an older signed announcement must not move the chain back.
    if (chain && (!known || announcement.seq > known.seq)) this.remember(announcement, chain);
    return 'signature';
  }

  /** Senders with a chain vouched for (at most maxSenders). */
  get size(): number {
    return this.vouched.size;
  }

  private byChain(known: Vouched, announcement: Announcement, chain: AnnounceChain, skip: number, counters: Counters): 'chain' | false {
    // One chain, one secret: an element that does not hash back is not the sender's.
    const step = (element: Uint8Array) => this.crypto.chainStep(element);
    const holds = skip >= 0 ? chainLinks(chain.element, skip, known.element, step) : chainLinks(known.element, -skip, chain.element, step);
    if (!holds) return false;
    counters.add('discovery.chain_checks');
    counters.add('discovery.chain_steps', Math.abs(skip));
    announcement.seq = known.seq + skip;
    announcement.sentAtMs = known.startMs + chain.slot * known.slotMs;
    if (skip > 0) {
      known.slot = chain.slot;
      known.element = chain.element;
      known.seq = announcement.seq;
    }
    this.vouched.delete(announcement.id);
    this.vouched.set(announcement.id, known);
    return 'chain';
  }

  private remember(announcement: Announcement, chain: AnnounceChain): void {
    const { id, publicKey, name, grpcPort, host, seq } = announcement;
    this.vouched.delete(id);
    this.vouched.set(id, { publicKey, name, grpcPort, host, startMs: chain.startMs, slotMs: chain.slotMs, slot: chain.slot, element: chain.element, seq });
    if (this.vouched.size > this.maxSenders) this.vouched.delete(this.vouched.keys().next().value!);
  }
}

/** True when a repeat claims exactly what the signature vouched for, on the same chain. */
function sameClaims(known: Vouched, a: Announcement, chain: AnnounceChain): boolean {
  return (
    chain.startMs === known.startMs &&
    chain.slotMs === known.slotMs &&
    a.grpcPort === known.grpcPort &&
    a.name === known.name &&
    a.host === known.host &&
    Buffer.from(a.publicKey).equals(known.publicKey)
  );
}
