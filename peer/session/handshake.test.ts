import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateIdentity } from '../identity/identity.js';
import { FrameCipher, FrameError } from './frame-cipher.js';
import { createInit, createReply, generateEphemeralKey, HandshakeError, verifyInit, verifyReply } from './handshake.js';

function handshake() {
  const alice = generateIdentity();
  const bob = generateIdentity();
  const aliceEphemeral = generateEphemeralKey();
  const init = createInit(alice, aliceEphemeral, { nonce: randomBytes(16), responderId: bob.id, name: 'alice', grpcPort: 1234 });
  const initiatorId = verifyInit(init, bob.id);
  const { reply, keys: bobKeys } = createReply(bob, generateEphemeralKey(), init, { name: 'bob', sessionId: randomBytes(16) });
  const aliceKeys = verifyReply(init, reply, aliceEphemeral, bob.id);
  return { alice, bob, aliceEphemeral, init, reply, initiatorId, aliceKeys, bobKeys };
}

describe('handshake', () => {
  it('gives both sides matching directional keys and proves both identities', () => {
    const { alice, initiatorId, aliceKeys, bobKeys } = handshake();
    expect(initiatorId).toBe(alice.id);
    expect(aliceKeys.sendKey.equals(bobKeys.receiveKey)).toBe(true);
    expect(aliceKeys.receiveKey.equals(bobKeys.sendKey)).toBe(true);
    expect(aliceKeys.sendKey.equals(aliceKeys.receiveKey)).toBe(false);
    expect(aliceKeys.sessionId.equals(bobKeys.sessionId)).toBe(true);
  });

  it('refuses an init that claims another identity key than the one that signed it', () => {
    const { init, bob } = handshake();
    const mallory = generateIdentity();
    // Mallory presents Alice's key but cannot sign for it.
    const forged = { ...init, signature: mallory.sign(Buffer.from('anything')) };
    expect(() => verifyInit(forged, bob.id)).toThrow(HandshakeError);
    const swapped = { ...init, identityKey: mallory.publicKey };
    expect(() => verifyInit(swapped, bob.id)).toThrowError(/signature/);
  });

  it('refuses an init meant for another peer (a replay aimed elsewhere)', () => {
    const { init } = handshake();
    const carol = generateIdentity();
    expect(() => verifyInit(init, carol.id)).toThrowError(/meant for/);
  });

  it('refuses a reply whose key does not hash to the id the initiator expected', () => {
    const alice = generateIdentity();
    const bob = generateIdentity();
    const mallory = generateIdentity();
    const eph = generateEphemeralKey();
    const init = createInit(alice, eph, { nonce: randomBytes(16), responderId: bob.id, name: 'alice', grpcPort: 1 });
    // Mallory answers at Bob's address with her own, validly signed reply.
    const { reply } = createReply(mallory, generateEphemeralKey(), init, { name: 'bob', sessionId: randomBytes(16) });
    expect(() => verifyReply(init, reply, eph, bob.id)).toThrowError(/does not hash to the id/);
  });

  it('refuses a reply with an altered field', () => {
    const { init, reply, aliceEphemeral, bob } = handshake();
    const altered = { ...reply, name: 'mallory' };
    expect(() => verifyReply(init, altered, aliceEphemeral, bob.id)).toThrowError(/signature/);
  });

  it('refuses an unknown version and malformed keys', () => {
    const { init, bob } = handshake();
    expect(() => verifyInit({ ...init, version: 99 }, bob.id)).toThrowError(/version 99/);
    expect(() => verifyInit({ ...init, ephemeralKey: Buffer.alloc(5) }, bob.id)).toThrowError(/wrong length/);
  });
});

describe('frame cipher', () => {
  it('opens what the other side sealed, in order', () => {
    const { aliceKeys, bobKeys } = handshake();
    const a = new FrameCipher(aliceKeys, 1 << 20);
    const b = new FrameCipher(bobKeys, 1 << 20);
    for (let i = 0; i < 3; i++) {
      const frame = a.seal(Buffer.from(`hello ${i}`));
      expect(frame.counter).toBe(i);
      expect(b.open(frame.counter, frame.ciphertext).toString()).toBe(`hello ${i}`);
    }
    const back = b.seal(Buffer.from('reply'));
    expect(a.open(back.counter, back.ciphertext).toString()).toBe('reply');
  });

  it('rejects a tampered frame, a replayed frame and a skipped counter', () => {
    const { aliceKeys, bobKeys } = handshake();
    const a = new FrameCipher(aliceKeys, 1 << 20);
    const b = new FrameCipher(bobKeys, 1 << 20);
    const first = a.seal(Buffer.from('first'));
    const tampered = Buffer.from(first.ciphertext);
    tampered[0]! ^= 1;
    expect(() => b.open(first.counter, tampered)).toThrowError(expect.objectContaining({ reason: 'auth' }));
    expect(b.open(first.counter, first.ciphertext).toString()).toBe('first');
    expect(() => b.open(first.counter, first.ciphertext)).toThrowError(expect.objectContaining({ reason: 'replay' }));
    a.seal(Buffer.from('second'));
    const third = a.seal(Buffer.from('third'));
    expect(() => b.open(third.counter, third.ciphertext)).toThrowError(expect.objectContaining({ reason: 'reorder' }));
  });

  it('rejects a frame sealed in the same direction (a reflected frame)', () => {
    const { aliceKeys } = handshake();
    const a = new FrameCipher(aliceKeys, 1 << 20);
    const frame = a.seal(Buffer.from('to bob'));
    expect(() => a.open(frame.counter, frame.ciphertext)).toThrow(FrameError);
  });
});
