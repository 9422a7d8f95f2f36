/**
 * The users file: who may log in, their scrypt password hashes, who is an admin.
 * JSON, written atomically (a 0600 temp file in the same folder, fsynced, renamed
 * over the old one), so a crash never leaves half a file and no other local user
 * can read the hashes. The dispatcher re-reads it when it changes, so
 * `peerlab dispatcher add-user` takes effect without a restart.
 */
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../peer/store/atomic-file.js';
import { MAX_PASSWORD_BYTES, hashPassword, type PasswordHash } from './password.js';
import { userNameProblem } from './user-name.js';

export interface UserRecord {
  admin: boolean;
  password: PasswordHash;
}

export interface UsersDocument {
  version: 1;
  users: Record<string, UserRecord>;
}

export class UsersFileError extends Error {
  override readonly name = 'UsersFileError';
}

/** Parses and checks a users document; errors name the file and the field. */
export function parseUsers(text: string, file: string): UsersDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsersFileError(`${file}: not JSON (${(err as Error).message})`);
  }
  const fail = (where: string, what: string) => new UsersFileError(`${file}: ${where}: ${what}`);
  if (!isObject(doc) || doc.version !== 1) throw fail('version', 'expected 1');
  if (!isObject(doc.users)) throw fail('users', 'expected an object of user name → record');
  const users: Record<string, UserRecord> = Object.create(null) as Record<string, UserRecord>;
  for (const [name, record] of Object.entries(doc.users)) {
    const problem = userNameProblem(name);
    if (problem) throw fail(`users`, problem);
    if (!isObject(record) || typeof record.admin !== 'boolean' || !isObject(record.password)) {
      throw fail(`users.${name}`, 'expected { admin: boolean, password: { N, r, p, salt, hash } }');
    }
    const p = record.password;
    const ok =
      isPowerOfTwo(p.N) && isWhole(p.r) && isWhole(p.p) && typeof p.salt === 'string' && typeof p.hash === 'string' && p.hash.length > 0;
    if (!ok) throw fail(`users.${name}.password`, 'expected scrypt parameters N (a power of two), r, p and base64 salt and hash');
    users[name] = { admin: record.admin, password: { N: p.N as number, r: p.r as number, p: p.p as number, salt: p.salt as string, hash: p.hash as string } };
  }
  return { version: 1, users };
}

/** Reads the users file; a missing file is an empty list of users. */
export async function readUsersFile(file: string): Promise<UsersDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, users: Object.create(null) as Record<string, UserRecord> };
    throw new UsersFileError(`${file}: cannot read (${(err as Error).message})`);
  }
  return parseUsers(text, file);
}

/** Writes the users file atomically with mode 0600. */
export async function writeUsersFile(file: string, doc: UsersDocument): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(doc, null, 2)}\n`, 0o600);
}

/**
 * Adds or replaces a user. The read-modify-write runs under a lock file, so two
 * `add-user` runs at once both land.
 */
export async function addUser(file: string, name: string, password: string, admin: boolean): Promise<'added' | 'updated'> {
  const problem = userNameProblem(name);
  if (problem) throw new UsersFileError(problem);
  if (password.length === 0) throw new UsersFileError('the password is empty (give it on stdin)');
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
    throw new UsersFileError(`the password is ${Buffer.byteLength(password)} bytes; at most ${MAX_PASSWORD_BYTES} are allowed`);
  }
  const hash = await hashPassword(password);
  return withLock(`${file}.lock`, async () => {
    const doc = await readUsersFile(file);
    const existed = name in doc.users;
    doc.users[name] = { admin, password: hash };
    await writeUsersFile(file, doc);
    return existed ? 'updated' : 'added';
  });
}

const LOCK_WAIT_MS = 10_000;
/** A lock older than this was left by a crashed run. */
const STALE_LOCK_MS = 30_000;

async function withLock<T>(lockFile: string, body: () => Promise<T>): Promise<T> {
  await mkdir(dirname(lockFile), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await (await open(lockFile, 'wx', 0o600)).close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lockFile).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_LOCK_MS) await rm(lockFile, { force: true });
      else if (Date.now() > deadline) throw new UsersFileError(`${lockFile}: still locked after ${LOCK_WAIT_MS} ms (another add-user running?)`);
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  try {
    return await body();
  } finally {
    await rm(lockFile, { force: true });
  }
}

/**
 * The users file as the running dispatcher sees it: re-read when its size or
 * modification time changes, so users added while it runs can log in.
 */
export class UsersStore {
  private doc: UsersDocument = { version: 1, users: Object.create(null) as Record<string, UserRecord> };
  private seen = '';

  constructor(readonly file: string) {}

  /** Loads the file (throws on a bad file: the dispatcher will not start on one). */
  async load(): Promise<this> {
    await this.refresh(true);
    return this;
  }

  async lookup(name: string): Promise<UserRecord | undefined> {
    await this.refresh(false);
    return Object.hasOwn(this.doc.users, name) ? this.doc.users[name] : undefined;
  }

  async names(): Promise<string[]> {
    await this.refresh(false);
    return Object.keys(this.doc.users).sort();
  }

  /** A file broken while running keeps the last good copy: logins go on working. */
  private async refresh(strict: boolean): Promise<void> {
    const s = await stat(this.file).catch(() => undefined);
    const mark = s ? `${s.size}:${s.mtimeMs}:${s.ino}` : 'missing';
    if (mark === this.seen) return;
    try {
      this.doc = await readUsersFile(this.file);
      this.seen = mark;
    } catch (err) {
      if (strict) throw err;
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function isWhole(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 1024;
}
function isPowerOfTwo(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 2 && value <= 1 << 20 && (value & (value - 1)) === 0;
}
