/**
 * Deterministic keys for the test world: an Identity and a Crypto whose random
 * parts (identity key, ephemeral X25519 keys, nonces, ids) come from a seeded
 * source, so a world replays exactly from its seed. The computation itself is
 * node:crypto's (the real thing), as in the real peer.
 */
import { createPrivateKey, createPublicKey, diffieHellman, sign, type KeyObject } from 'node:crypto';
import type { Crypto, X25519KeyPair } from '../crypto.js';
import { nodeCrypto } from '../../crypto/node-crypto.js';
import { fingerprintOf, idFromPublicKey, type Identity } from '../../identity/identity.js';

/**
 * A KeyObject from a raw 32-byte private key. JWK, not PKCS#8 DER: OpenSSL 3's DER
 * decoder takes about 3 ms a key here, JWK about 0.3 ms (the simulator makes one per
 * handshake). Node takes the key from `d` alone and ignores `x`.
 */
function privateKeyFrom(crv: 'Ed25519' | 'X25519', raw: Buffer): KeyObject {
  return createPrivateKey({ format: 'jwk', key: { kty: 'OKP', crv, d: raw.toString('base64url'), x: '' } });
}

/** `length` bytes from `random` ([0, 1) floats). */
export function bytesFrom(random: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

function rawPublicKey(privateKey: KeyObject): Buffer {
  return Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url');
}

/** An Ed25519 identity whose key comes from `random`. */
export function seededIdentity(random: () => number): Identity {
  const privateKey = privateKeyFrom('Ed25519', bytesFrom(random, 32));
  const publicKey = rawPublicKey(privateKey);
  return { publicKey, id: idFromPublicKey(publicKey), fingerprint: fingerprintOf(publicKey), sign: (data) => sign(null, data, privateKey) };
}

/** node:crypto with its randomness drawn from `random`. */
export function seededCrypto(random: () => number): Crypto {
  return {
    ...nodeCrypto,
    x25519KeyPair(): X25519KeyPair {
      const privateKey = privateKeyFrom('X25519', bytesFrom(random, 32));
      return { publicKey: rawPublicKey(privateKey), privateKey };
    },
    x25519(privateKey, peerPublicKey) {
      const publicKey = createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peerPublicKey).toString('base64url') } });
      return diffieHellman({ privateKey: privateKey as KeyObject, publicKey });
    },
    randomBytes: (length) => bytesFrom(random, length),
  };
}
