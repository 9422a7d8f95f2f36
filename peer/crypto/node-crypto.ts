/** The Crypto the real peer runs on: node:crypto (OpenSSL). */
import { createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import type { Crypto, X25519KeyPair } from '../core/crypto.js';
import { verifySignature } from '../identity/identity.js';

const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

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
  randomBytes: (length) => randomBytes(length),
};
