/**
 * The dispatcher's secret key: signs session cookies and derives CSRF tokens.
 * Generated on first start and kept in the state folder with mode 0600, so
 * sessions survive a restart and no other local user can forge them.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const KEY_FILE = 'session.key';
const KEY_BYTES = 32;

export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

/** Reads `stateDir/session.key`, creating it (0600, in a 0700 folder) on first start. */
export async function loadOrCreateKey(stateDir: string): Promise<Buffer> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = join(stateDir, KEY_FILE);
  try {
    const handle = await open(file, 'wx', 0o600);
    try {
      const key = randomBytes(KEY_BYTES);
      await handle.writeFile(key.toString('base64'));
      await handle.sync();
      return key;
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new KeyFileError(`${file}: mode ${mode.toString(8)} lets other users read the session key; run chmod 600 ${file}`);
  }
  const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  if (key.length < KEY_BYTES) throw new KeyFileError(`${file}: expected a base64 key of ${KEY_BYTES} bytes, found ${key.length}`);
  return key;
}
