/**
 * Deterministic keys for the test world: an Identity and a Crypto whose random
 * parts (identity key, ephemeral X25519 keys, nonces, ids) come from a seeded
 * source, so a world replays exactly from its seed. The computation itself is
 * node:crypto's (the real thing), as in the real peer.
 */
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import type { Crypto, X25519KeyPair } from '../crypto.js';
import { nodeCrypto } from '../../crypto/node-crypto.js';
import { fingerprintOf, idFromPublicKey, type Identity } from '../../identity/identity.js';

// PKCS#8 DER prefixes of a raw 32-byte private key.
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** `length` bytes from `random` ([0, 1) floats). */
export function bytesFrom(random: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

function rawPublicKey(privateKey: KeyObject): Buffer {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return Buffer.from(spki.subarray(spki.length - 32));
}

/** An Ed25519 identity whose key comes from `random`. */
export function seededIdentity(random: () => number): Identity {
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, bytesFrom(random, 32)]), format: 'der', type: 'pkcs8' });
  const publicKey = rawPublicKey(privateKey);
  return { publicKey, id: idFromPublicKey(publicKey), fingerprint: fingerprintOf(publicKey), sign: (data) => sign(null, data, privateKey) };
}

/** node:crypto with its randomness drawn from `random`. */
export function seededCrypto(random: () => number): Crypto {
  return {
    ...nodeCrypto,
    x25519KeyPair(): X25519KeyPair {
      const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8, bytesFrom(random, 32)]), format: 'der', type: 'pkcs8' });
      return { publicKey: rawPublicKey(privateKey), privateKey };
    },
    randomBytes: (length) => bytesFrom(random, length),
  };
}
