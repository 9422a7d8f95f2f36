/**
 * What opening a log does about bad bytes (see log-frame.ts for how they are
 * found): a torn tail is truncated in place; damage is copied to
 * `<log>.corrupt-<stamp>` and the log rewritten to hold only its good records,
 * so the next open is clean and nothing damaged is ever deleted.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic, syncDirectory } from './atomic-file.js';
import type { DamagedRegion, ScannedLog } from './log-frame.js';

/** Damage found in a log: moved aside, cut out of the log, to be reported. */
export interface AppendLogDamage {
  /** The log file. */
  path: string;
  /** Records lost, summed over the regions (see DamagedRegion.records for how they are counted). */
  lostRecords: number;
  /** Damaged bytes moved aside. */
  bytes: number;
  /** The file holding the damaged bytes: every region, in file order, back to back. */
  corruptPath: string;
  /** Where each damaged region was in the log and why. */
  regions: DamagedRegion[];
}

/** The log's handle and size after repair, and the damage if there was any. */
export interface RepairedLog {
  handle: FileHandle;
  size: number;
  damage?: AppendLogDamage;
}

/**
 * Makes the file at `path` (open as `handle`, read as `data`) hold exactly the
 * good records of `scanned`. Order matters for a crash: the damaged bytes are
 * durable in the `.corrupt-` file before the log stops holding them.
 */
export async function repairLog(path: string, handle: FileHandle, data: Buffer, scanned: ScannedLog<unknown>, nowMs: number): Promise<RepairedLog> {
  const regions = scanned.damaged;
  const good = scanned.kept.reduce((sum, [start, end]) => sum + end - start, 0);
  if (regions.length === 0) {
    // The good records are one prefix: cut the tail before anything is appended,
    // or new records would sit behind garbage.
    if (good < data.length) {
      await step(path, 'cut the torn tail of', async () => {
        await handle.truncate(good);
        await handle.sync();
      });
    }
    return { handle, size: good };
  }
  const damaged = Buffer.concat(regions.map((r) => data.subarray(r.offset, r.offset + r.bytes)));
  const corruptPath = await step(path, 'set aside the damaged bytes of', () => writeAside(path, damaged, nowMs));
  const kept = Buffer.concat(scanned.kept.map(([start, end]) => data.subarray(start, end)));
  const fresh = await step(path, 'drop the damaged bytes from', async () => {
    await writeFileAtomic(path, kept);
    return open(path, 'r+');
  });
  await handle.close().catch(() => {});
  const lostRecords = regions.reduce((sum, r) => sum + r.records, 0);
  return { handle: fresh, size: kept.length, damage: { path, lostRecords, bytes: damaged.length, corruptPath, regions } };
}

/** Writes `bytes` durably to a new `<path>.corrupt-<stamp>` (never over an existing one); returns its path. */
async function writeAside(path: string, bytes: Buffer, nowMs: number): Promise<string> {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '');
  for (let n = 1; ; n++) {
    const target = `${path}.corrupt-${stamp}${n > 1 ? `-${n}` : ''}`;
    let out: FileHandle;
    try {
      out = await open(target, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    try {
      await out.writeFile(bytes);
      await out.sync();
    } finally {
      await out.close();
    }
    await syncDirectory(dirname(path));
    return target;
  }
}

/** Runs one repair step, naming the log and the step in any error. */
async function step<T>(path: string, action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw logIoError(path, action, err);
  }
}

/** An IO error on a log: `append log PATH: cannot ACTION the file: cause`. */
export function logIoError(path: string, action: string, cause: unknown): Error {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new Error(`append log ${path}: cannot ${action} the file: ${detail}`, { cause });
}
