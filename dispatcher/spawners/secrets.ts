/**
 * The spawner's secrets. One random key, kept in the state dir (0600), from which every
 * instance's tokens are derived as HMAC(key, purpose:instanceId): the claim token a vacant
 * peer checks, and the control and web tokens of the peer it becomes. So a spawner
 * restarted over the same state dir knows every running peer's tokens without writing
 * them anywhere, and nothing a browser can see holds them.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../peer/store/atomic-file.js';

export type TokenPurpose = 'claim' | 'control' | 'web';

export class SpawnerSecrets {
  private constructor(private readonly key: Buffer) {}

  /** Reads the key from `stateDir/spawner.key`, creating the dir (0700) and the key (0600) on first use. */
  static async open(stateDir: string): Promise<SpawnerSecrets> {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const path = join(stateDir, 'spawner.key');
    try {
      const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url');
      if (key.length >= 32) return new SpawnerSecrets(key);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const key = randomBytes(32);
    await writeFileAtomic(path, `${key.toString('base64url')}\n`, 0o600);
    return new SpawnerSecrets(key);
  }

  /** The token of `purpose` for one instance: 43 URL-safe characters. */
  token(purpose: TokenPurpose, instanceId: string): string {
    return createHmac('sha256', this.key).update(`${purpose}:${instanceId}`).digest('base64url');
  }

  /**
   * A short name for everything this spawner owns (labels, container and network names):
   * two spawners with different state dirs on one Docker engine never touch each other's.
   */
  get scope(): string {
    return createHash('sha256').update(this.key).update('scope').digest('hex').slice(0, 10);
  }
}

/** A fresh instance id: `prefix-` and 12 hex digits. */
export function newInstanceId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}
