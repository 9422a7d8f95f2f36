/**
 * Password hashes: scrypt (node:crypto) with a per-user random salt. The cost
 * parameters are stored with each hash, so they can be raised later without
 * invalidating old entries.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface PasswordHash {
  /** scrypt cost parameters (N = CPU/memory cost, r = block size, p = parallelism). */
  N: number;
  r: number;
  p: number;
  /** base64 */
  salt: string;
  /** base64, KEY_BYTES long */
  hash: string;
}

const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** N = 2^14, r = 8: about 16 MiB and some tens of ms per check (OWASP's scrypt minimum is N=2^17 with p=1 or an equivalent; 2^14·r8 is node's default and keeps 20 parallel logins responsive on 2 cores). */
export const DEFAULT_SCRYPT = { N: 1 << 14, r: 8, p: 1 } as const;
/** The largest password accepted, in bytes: scrypt takes any length, but the form body is capped. */
export const MAX_PASSWORD_BYTES = 1024;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** Hashes `password` with a fresh salt. */
export async function hashPassword(password: string, params: { N: number; r: number; p: number } = DEFAULT_SCRYPT): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return { ...params, salt: salt.toString('base64'), hash: key.toString('base64') };
}

/** True when `password` matches `stored`; compares in constant time. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const key = await derive(password, Buffer.from(stored.salt, 'base64'), stored);
  return expected.length === key.length && timingSafeEqual(expected, key);
}

/**
 * A hash no password matches, checked when the user name is unknown, so a login
 * for a name that does not exist costs as long as one with a wrong password
 * (the response time does not tell which names exist).
 */
let decoy: Promise<PasswordHash> | undefined;
export function decoyHash(): Promise<PasswordHash> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}
