/**
 * The keys and crypto of a simulated run, from the run's one PRNG, counted by a CpuMeter.
 *
 * Two rules, chosen per run by its peer count (SimSettings.computedCryptoUpTo):
 * - computed: node:crypto, as the real peer runs it (Ed25519, X25519, HKDF), keys drawn
 *   from the PRNG (peer/core/testing/seeded-crypto.ts);
 * - modelled: a signature is a token that says whether the key's owner made it over
 *   these bytes — HMAC-SHA-512 under a secret of the run that only `sign` holds — so a
 *   forged or altered message stays forged, at a few microseconds instead of a real
 *   verify. X25519 is a hash of both public keys (both ends agree; nobody in a
 *   simulation eavesdrops). HKDF stays real (cheap).
 * Either way the virtual cost of each operation comes from the CPU model, not from how
 * long the computation here took.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Crypto } from '../../../peer/core/crypto.js';
import { bytesFrom, seededCrypto, seededIdentity } from '../../../peer/core/testing/seeded-crypto.js';
import { nodeCrypto } from '../../../peer/crypto/node-crypto.js';
import { fingerprintOf, idFromPublicKey, type Identity } from '../../../peer/identity/identity.js';
import type { CpuMeter } from './cpu-model.js';

export type CryptoRule = 'computed' | 'modelled';

/** What the peers of one run compute with. */
export interface SimCrypto {
  readonly rule: CryptoRule;
  /** The Crypto every core of the run shares (counted). */
  readonly crypto: Crypto;
  /** A new identity (counted when it signs). */
  identity(): Identity;
}

/** The run's crypto under `rule`, drawing every random byte from `random`, counting into `meter`. */
export function simCrypto(rule: CryptoRule, random: () => number, meter: CpuMeter): SimCrypto {
  const base = rule === 'computed' ? computed(random) : modelled(random);
  const crypto: Crypto = {
    verify: (key, data, signature) => {
      meter.verifies++;
      return base.crypto.verify(key, data, signature);
    },
    x25519KeyPair: () => {
      meter.x25519s++;
      return base.crypto.x25519KeyPair();
    },
    x25519: (privateKey, peerKey) => {
      meter.x25519s++;
      return base.crypto.x25519(privateKey, peerKey);
    },
    hkdf: base.crypto.hkdf,
    randomBytes: base.crypto.randomBytes,
    chainStep: base.crypto.chainStep,
  };
  return {
    rule,
    crypto,
    identity() {
      const inner = base.identity();
      return { ...inner, sign: (data) => (meter.signs++, inner.sign(data)) };
    },
  };
}

function computed(random: () => number): Omit<SimCrypto, 'rule'> {
  return { crypto: seededCrypto(random), identity: () => seededIdentity(random) };
}

function modelled(random: () => number): Omit<SimCrypto, 'rule'> {
  // Only `sign` below uses it: no peer can compute a valid token for another's key.
  const secret = bytesFrom(random, 32);
  const token = (publicKey: Uint8Array, data: Uint8Array) => createHmac('sha512', secret).update(publicKey).update(data).digest();
  // A multicast announcement is decoded once and the same object reaches every receiver:
  // its verdict is computed once, keyed by its signature object and checked against the
  // same key and bytes (a memcmp, not an HMAC); each receiver is still charged the verify
  // in virtual time.
  const verdicts = new WeakMap<Uint8Array, { publicKey: Uint8Array; data: Uint8Array; valid: boolean }>();
  const crypto: Crypto = {
    verify(publicKey, data, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      const known = verdicts.get(signature);
      if (known && Buffer.from(known.publicKey).equals(publicKey) && Buffer.from(known.data).equals(data)) return known.valid;
      const valid = token(publicKey, data).equals(signature);
      verdicts.set(signature, { publicKey, data, valid });
      return valid;
    },
    x25519KeyPair() {
      const publicKey = bytesFrom(random, 32);
      return { publicKey, privateKey: publicKey };
    },
    x25519(privateKey, peerKey) {
      const [a, b] = [Buffer.from(privateKey as Buffer), Buffer.from(peerKey)].sort(Buffer.compare);
      return createHash('sha256').update(a!).update(b!).digest();
    },
    hkdf: nodeCrypto.hkdf,
    randomBytes: (length) => bytesFrom(random, length),
    chainStep: mixStep,
  };
  const identity = (): Identity => {
    const publicKey = bytesFrom(random, 32);
    return { publicKey, id: idFromPublicKey(publicKey), fingerprint: fingerprintOf(publicKey), sign: (data) => token(publicKey, data) };
  };
  return { crypto, identity };
}

/**
 * The modelled hash-chain step: a 32-byte mix of the element, about ten times cheaper
 * than SHA-256 (every peer hashes a 4,096-slot chain when it starts). Not one-way, which
 * a model need not be: no simulated peer inverts it (the lab's forgers alter bytes or
 * replay, and an altered element still does not hash back to the one vouched for).
 */
function mixStep(element: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(32);
  let h = 0x811c9dc5;
  for (let i = 0; i < element.length; i++) h = Math.imul(h ^ element[i]!, 0x01000193);
  for (let word = 0; word < 8; word++) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h = Math.imul(h ^ (h >>> 12), 0x297a2d39) ^ word;
    out.writeUInt32LE((h ^ (h >>> 15)) >>> 0, word * 4);
  }
  return out;
}
