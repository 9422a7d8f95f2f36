/**
 * A one-way hash chain (Lamport, S/Key, TESLA): element(i - 1) = sha256(element(i)).
 * A sender reveals the elements in rising order, one per time slot; whoever holds an
 * earlier element checks a later one with a few hashes, and nobody can compute an
 * element before its holder reveals it. That is what lets a receiver take an
 * announcement as fresh without checking its Ed25519 signature again (see
 * peer/core/announcement-verifier.ts). Pure: no IO, no clock.
 */
import { hash } from 'node:crypto';

/** Bytes of one element (a SHA-256 digest). */
export const CHAIN_ELEMENT_BYTES = 32;

/** One step back along the chain: the element of the slot before. */
export function chainStep(element: Uint8Array): Buffer {
  // The one-shot form: about 3× faster than createHash, and a chain of 4096 is hashed at every start.
  return hash('sha256', element, 'buffer');
}

/** One step back along a chain: SHA-256 here; a simulator may hand the core a cheaper model (peer/core/crypto.ts). */
export type ChainStep = (element: Uint8Array) => Buffer;

/** True when hashing `later` `steps` times gives `earlier`: both are elements of one chain, `steps` slots apart. */
export function chainLinks(later: Uint8Array, steps: number, earlier: Uint8Array, step: ChainStep = chainStep): boolean {
  let element: Uint8Array = later;
  for (let i = 0; i < steps; i++) element = step(element);
  return Buffer.from(element).equals(earlier);
}

// Elements kept: one in every SEGMENT slots, plus the segment in use, so memory stays
// small (a 4096-slot chain keeps 2 KiB of checkpoints, not 128 KiB) and a slot costs
// about one hash on average. Both are kept in buffers of their own: a 32-byte Buffer from
// a hash is a slice of Node's shared 8 KiB pool, and keeping it keeps its whole slab
// (65 checkpoints pinned about 130 KiB per chain, more than the whole chain).
export const CHAIN_SEGMENT = 64;

/** The elements of a chain of `length` slots grown from a secret `seed`, revealed by slot. */
export class HashChain {
  /** Element of slot i × CHAIN_SEGMENT at bytes [32 i, 32 (i + 1)); the last one is the seed. */
  private readonly checkpoints: Buffer;
  /** The elements of segment `segmentIndex`, in slot order; a new buffer per segment, so an element handed out never changes. */
  private segment = Buffer.alloc(0);
  private segmentIndex = -1;

  constructor(
    seed: Uint8Array,
    /** Slots, a multiple of CHAIN_SEGMENT. */
    readonly length: number,
    private readonly step: ChainStep = chainStep,
  ) {
    if (!Number.isInteger(length) || length < CHAIN_SEGMENT || length % CHAIN_SEGMENT !== 0) {
      throw new RangeError(`HashChain length must be a positive multiple of ${CHAIN_SEGMENT}, got ${length}`);
    }
    if (seed.length !== CHAIN_ELEMENT_BYTES) throw new RangeError(`HashChain seed must be ${CHAIN_ELEMENT_BYTES} bytes, got ${seed.length}`);
    this.checkpoints = Buffer.allocUnsafeSlow((length / CHAIN_SEGMENT + 1) * CHAIN_ELEMENT_BYTES);
    // element(length) is the seed; element(i) = sha256^(length - i)(seed).
    let element: Uint8Array = seed;
    for (let slot = length; slot >= 0; slot--) {
      if (slot % CHAIN_SEGMENT === 0) this.checkpoints.set(element, (slot / CHAIN_SEGMENT) * CHAIN_ELEMENT_BYTES);
      if (slot > 0) element = step(element);
    }
  }

  /** The element of `slot` (0 to length - 1). */
  elementAt(slot: number): Buffer {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.length) throw new RangeError(`HashChain slot must be 0 to ${this.length - 1}, got ${slot}`);
    const index = Math.floor(slot / CHAIN_SEGMENT);
    if (index !== this.segmentIndex) this.expand(index);
    const at = (slot % CHAIN_SEGMENT) * CHAIN_ELEMENT_BYTES;
    return this.segment.subarray(at, at + CHAIN_ELEMENT_BYTES);
  }

  /** Works out one segment's elements, hashing down from the checkpoint after it. */
  private expand(index: number): void {
    const segment = Buffer.allocUnsafeSlow(CHAIN_SEGMENT * CHAIN_ELEMENT_BYTES);
    const after = (index + 1) * CHAIN_ELEMENT_BYTES;
    let element: Uint8Array = this.checkpoints.subarray(after, after + CHAIN_ELEMENT_BYTES);
    for (let offset = CHAIN_SEGMENT - 1; offset >= 0; offset--) {
      element = this.step(element);
      segment.set(element, offset * CHAIN_ELEMENT_BYTES);
    }
    this.segment = segment;
    this.segmentIndex = index;
  }
}
