import { describe, expect, it } from 'vitest';
import { CHAIN_ELEMENT_BYTES, CHAIN_SEGMENT, chainLinks, chainStep, HashChain } from './hash-chain.js';

const seed = Buffer.alloc(32, 7);

describe('HashChain', () => {
  it('hashing a slot’s element gives the element of the slot before, across segment edges', () => {
    const chain = new HashChain(seed, 4 * CHAIN_SEGMENT);
    // Read out of order, so segments are worked out again and again.
    for (const slot of [1, CHAIN_SEGMENT, CHAIN_SEGMENT + 1, 3 * CHAIN_SEGMENT - 1, 2, 4 * CHAIN_SEGMENT - 1]) {
      expect(chainStep(chain.elementAt(slot)).equals(chain.elementAt(slot - 1)), `slot ${slot}`).toBe(true);
    }
    // The last slot's element is one hash from the seed.
    expect(chain.elementAt(4 * CHAIN_SEGMENT - 1).equals(chainStep(seed))).toBe(true);
  });

  it('chainLinks accepts the right distance only', () => {
    const chain = new HashChain(seed, CHAIN_SEGMENT * 2);
    expect(chainLinks(chain.elementAt(90), 50, chain.elementAt(40))).toBe(true);
    expect(chainLinks(chain.elementAt(90), 49, chain.elementAt(40))).toBe(false);
    expect(chainLinks(chain.elementAt(40), 50, chain.elementAt(90))).toBe(false);
    expect(chainLinks(chain.elementAt(5), 0, chain.elementAt(5))).toBe(true);
    // Another seed's chain never links in.
    const other = new HashChain(Buffer.alloc(32, 8), CHAIN_SEGMENT * 2);
    expect(chainLinks(other.elementAt(41), 1, chain.elementAt(40))).toBe(false);
  });

  it('an element handed out stays as it was after other segments are worked out, and holds no more than its segment', () => {
    const chain = new HashChain(seed, 4 * CHAIN_SEGMENT);
    const early = chain.elementAt(3);
    const copy = Buffer.from(early);
    chain.elementAt(3 * CHAIN_SEGMENT);
    chain.elementAt(CHAIN_SEGMENT);
    expect(early.equals(copy)).toBe(true);
    expect(chain.elementAt(3).equals(copy)).toBe(true);
    // Not a slice of Node's shared 8 KiB pool: keeping an element (or the checkpoints) keeps 2 KiB, not a slab.
    expect(early.buffer.byteLength).toBe(CHAIN_SEGMENT * CHAIN_ELEMENT_BYTES);
  });

  it('refuses a slot outside the chain and a length it cannot segment, naming the value', () => {
    const chain = new HashChain(seed, CHAIN_SEGMENT);
    expect(() => chain.elementAt(CHAIN_SEGMENT)).toThrow(`HashChain slot must be 0 to ${CHAIN_SEGMENT - 1}, got ${CHAIN_SEGMENT}`);
    expect(() => chain.elementAt(-1)).toThrow('got -1');
    expect(() => new HashChain(seed, 100)).toThrow(`HashChain length must be a positive multiple of ${CHAIN_SEGMENT}, got 100`);
    expect(() => new HashChain(Buffer.alloc(16), CHAIN_SEGMENT)).toThrow('HashChain seed must be 32 bytes, got 16');
  });
});
