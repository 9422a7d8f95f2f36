import { describe, expect, it } from 'vitest';
import { generateIdentity } from '../identity/identity.js';
import { nodeCrypto } from './node-crypto.js';
import { withVerifyMemo } from './verify-memo.js';

describe('withVerifyMemo', () => {
  const alice = generateIdentity();
  const mallory = generateIdentity();
  const data = Buffer.from('an announcement body');
  const signature = alice.sign(data);

  it('checks a signature once and answers repeats from memory', () => {
    const crypto = withVerifyMemo(nodeCrypto);
    expect(crypto.verify(alice.publicKey, data, signature)).toBe(true);
    expect(crypto.verify(alice.publicKey, data, signature)).toBe(true);
    expect(crypto.verify(alice.publicKey, Uint8Array.from(data), Uint8Array.from(signature))).toBe(true);
    expect(crypto.memo).toEqual({ hits: 2, misses: 1 });
  });

  it('never lends a remembered verdict to other bytes, another key or another signature', () => {
    const crypto = withVerifyMemo(nodeCrypto);
    expect(crypto.verify(alice.publicKey, data, signature)).toBe(true);
    const flipped = Buffer.from(data);
    flipped[0]! ^= 1;
    expect(crypto.verify(alice.publicKey, flipped, signature)).toBe(false);
    expect(crypto.verify(mallory.publicKey, data, signature)).toBe(false);
    expect(crypto.verify(alice.publicKey, data, mallory.sign(data))).toBe(false);
    // Moving bytes between the fields does not make a known triple either.
    expect(crypto.verify(alice.publicKey, Buffer.concat([data, signature.subarray(0, 1)]), signature.subarray(1))).toBe(false);
    expect(crypto.memo).toEqual({ hits: 0, misses: 5 });
  });

  it('remembers a forgery as false, so repeating it costs no check', () => {
    const crypto = withVerifyMemo(nodeCrypto);
    const forged = mallory.sign(data);
    expect(crypto.verify(alice.publicKey, data, forged)).toBe(false);
    expect(crypto.verify(alice.publicKey, data, forged)).toBe(false);
    expect(crypto.memo).toEqual({ hits: 1, misses: 1 });
  });

  it('keeps at most its bound, dropping the oldest verdict first', () => {
    const crypto = withVerifyMemo(nodeCrypto, 3);
    const signed = [0, 1, 2, 3].map((i) => {
      const bytes = Buffer.from(`message ${i}`);
      return { bytes, signature: alice.sign(bytes) };
    });
    for (const { bytes, signature: sig } of signed) expect(crypto.verify(alice.publicKey, bytes, sig)).toBe(true);
    expect(crypto.memo.misses).toBe(4);
    // The newest three are remembered; the first was dropped and is checked again.
    for (const { bytes, signature: sig } of signed.slice(1)) crypto.verify(alice.publicKey, bytes, sig);
    expect(crypto.memo.hits).toBe(3);
    expect(crypto.verify(alice.publicKey, signed[0]!.bytes, signed[0]!.signature)).toBe(true);
    expect(crypto.memo.misses).toBe(5);
  });

  it('leaves the rest of the Crypto as it was', () => {
    const crypto = withVerifyMemo(nodeCrypto);
    const element = Buffer.alloc(32, 7);
    expect(crypto.chainStep(element)).toEqual(nodeCrypto.chainStep(element));
    expect(crypto.randomBytes(16)).toHaveLength(16);
  });
});
