/** The Crypto the real peer runs on: node:crypto (OpenSSL). */
import { chainStep } from '../discovery/hash-chain.js';
import { createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import type { Crypto, X25519KeyPair } from '../core/crypto.js';
import { verifySignature } from '../identity/identity.js';

const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

// Small requests (a message id, a nonce) are cut from a pool filled 4 KiB at a time, as
// node's randomUUID does: one call into OpenSSL per message was a tenth of a busy sender's CPU.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function pooledRandomBytes(length: number): Buffer {
  if (length > POOL_BYTES / 4) return randomBytes(length);
  if (poolOffset + length > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const out = Buffer.allocUnsafe(length);
  pool.copy(out, 0, poolOffset, poolOffset + length);
  // Used bytes are wiped so no later reader of the pool can see what was handed out.
  pool.fill(0, poolOffset, poolOffset + length);
  poolOffset += length;
  return out;
}

export const nodeCrypto: Crypto = {
  verify: verifySignature,
  x25519KeyPair(): X25519KeyPair {
    const { publicKey, privateKey } = generateKeyPairSync('x25519');
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    return { publicKey: Buffer.from(spki.subarray(spki.length - 32)), privateKey };
  },
  x25519(privateKey, peerPublicKey) {
    const publicKey = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, peerPublicKey]), format: 'der', type: 'spki' });
    return diffieHellman({ privateKey: privateKey as KeyObject, publicKey });
  },
  hkdf: (secret, salt, info, length) => Buffer.from(hkdfSync('sha256', secret, salt, info, length)),
  randomBytes: pooledRandomBytes,
  chainStep,
};
