/**
 * One peer per data dir: two processes appending to the same logs would
 * corrupt them. The lock is a file holding the owner's pid, created
 * exclusively; a lock left by a process that no longer runs is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** A held data-dir lock; `release()` removes it. */
export interface DataDirLock {
  release(): Promise<void>;
}

/** Thrown when another live process holds the data dir. */
export class DataDirInUseError extends Error {
  constructor(dir: string, pid: number) {
    super(`data dir ${dir} is in use by process ${pid}; stop it or choose another --data`);
    this.name = 'DataDirInUseError';
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else — still running.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `dir` for this process, or throws DataDirInUseError. */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const path = join(dir, 'peer.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { release: () => rm(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid)) throw new DataDirInUseError(dir, pid);
    // Stale (its owner died): remove and try once more.
    await rm(path, { force: true });
  }
  throw new Error(`could not take the lock ${path}`);
}
