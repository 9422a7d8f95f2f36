import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic-file.js';

/** Length of a peer id in hex digits: 128 bits of sha256(public key). */
export const ID_HEX_LENGTH = 32;

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A peer's long-term Ed25519 identity. */
export interface Identity {
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Buffer;
  /** hex(sha256(publicKey))[0:32]. */
  readonly id: string;
  /** Safety number a person can read aloud. */
  readonly fingerprint: string;
  /** Ed25519 signature over data. */
  sign(data: Uint8Array): Buffer;
}

/** The peer id a public key hashes to. Anyone can recompute it, so an id cannot be claimed. */
export function idFromPublicKey(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex').slice(0, ID_HEX_LENGTH);
}

/**
 * A safety number: 12 groups of 5 digits derived from sha512(public key),
 * in the style of Signal's, short enough to compare over the phone.
 */
export function fingerprintOf(publicKey: Uint8Array): string {
  // Asked for every peer discovered (the name book keeps it), and a simulator runs
  // thousands of peers in one process: keep the ones computed, as the key cache below does.
  const hex = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex');
  let fingerprint = fingerprintCache.get(hex);
  if (fingerprint === undefined) {
    fingerprint = computeFingerprint(publicKey);
    if (fingerprintCache.size >= FINGERPRINT_CACHE_SIZE) fingerprintCache.delete(fingerprintCache.keys().next().value!);
    fingerprintCache.set(hex, fingerprint);
  }
  return fingerprint;
}

const fingerprintCache = new Map<string, string>();
/** Above a real peer's table limit (4096), and enough for a simulated fleet of 10,000. */
const FINGERPRINT_CACHE_SIZE = 16_384;

function computeFingerprint(publicKey: Uint8Array): string {
  const digest = createHash('sha512').update('peerlab/fingerprint/v1').update(publicKey).digest();
  const groups: string[] = [];
  for (let i = 0; i < 12; i++) {
    const chunk = digest.readUIntBE(i * 5, 5);
    groups.push(String(chunk % 100_000).padStart(5, '0'));
  }
  return groups.join(' ');
}

/** True when `id` looks like a peer id (hex of the right length). */
export function isPeerId(id: string): boolean {
  return id.length === ID_HEX_LENGTH && /^[0-9a-f]+$/.test(id);
}

// Verifying is the hot path of discovery and gossip; building a KeyObject from
// raw bytes costs about as much as the verify itself, so keep recent ones.
const publicKeyCache = new Map<string, KeyObject>();
const PUBLIC_KEY_CACHE_SIZE = 4096;

function publicKeyObject(raw: Uint8Array): KeyObject {
  const hex = Buffer.from(raw).toString('hex');
  let key = publicKeyCache.get(hex);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    if (publicKeyCache.size >= PUBLIC_KEY_CACHE_SIZE) {
      const oldest = publicKeyCache.keys().next().value;
      if (oldest !== undefined) publicKeyCache.delete(oldest);
    }
    publicKeyCache.set(hex, key);
  }
  return key;
}

/** Checks an Ed25519 signature; false (never a throw) for a malformed key or signature. */
export function verifySignature(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return cryptoVerify(null, data, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

function identityFromPrivateKey(privateKey: KeyObject): Identity {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = Buffer.from(spki.subarray(spki.length - 32));
  return {
    publicKey,
    id: idFromPublicKey(publicKey),
    fingerprint: fingerprintOf(publicKey),
    sign: (data) => cryptoSign(null, data, privateKey),
  };
}

/** A fresh identity held only in memory (tests, the simulator, throwaway peers). */
export function generateIdentity(): Identity {
  return identityFromPrivateKey(generateKeyPairSync('ed25519').privateKey);
}

/**
 * The identity kept in `dataDir/identity.pem`, created on first start.
 * The file holds the PKCS#8 private key, readable by its owner only.
 */
export async function loadOrCreateIdentity(dataDir: string): Promise<Identity> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'identity.pem');
  let pem: string | undefined;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (pem !== undefined) {
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch (err) {
      throw new Error(`${path} is not a PEM private key (${(err as Error).message}); move it away to start with a new identity`);
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new Error(`${path} holds a ${key.asymmetricKeyType} key, expected ed25519`);
    }
    return identityFromPrivateKey(key);
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFileAtomic(path, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, 0o600);
  return identityFromPrivateKey(privateKey);
}
