/**
 * One peer per data dir: two processes appending to the same logs would
 * corrupt them. The lock is a file holding the owner's pid and, on Linux, its
 * start time, created exclusively. A lock whose owner no longer runs is taken
 * over. Pids repeat — in a restarted container the new node may even get the
 * old pid, or have a thread with it — so a pid alone does not prove the owner
 * is alive: the start time must match too.
 */
import { existsSync, readFileSync } from 'node:fs';
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

/** Start time of a process in clock ticks since boot (Linux), or undefined where /proc does not say. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) is in parentheses and may contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function ownerAlive(pid: number, startTime: string | undefined): boolean {
  if (pid === process.pid) return false;
  // One of our own threads has that id: the old owner is long gone.
  if (existsSync(`/proc/self/task/${pid}`)) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTimeOf(pid);
  return startTime === undefined || now === undefined || now === startTime;
}

/** Takes the lock of `dir` for this process, or throws DataDirInUseError. */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const path = join(dir, 'peer.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid} ${startTimeOf(process.pid) ?? ''}\n`);
      await handle.close();
      return { release: () => rm(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const [pidText, startTime] = (await readFile(path, 'utf8').catch(() => '')).trim().split(' ');
    const pid = Number.parseInt(pidText ?? '', 10);
    if (Number.isInteger(pid) && pid > 0 && ownerAlive(pid, startTime || undefined)) throw new DataDirInUseError(dir, pid);
    // Stale (its owner died): remove and try once more.
    await rm(path, { force: true });
  }
  throw new Error(`could not take the lock ${path}`);
}
