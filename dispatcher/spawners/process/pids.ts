/** Is a process we started still that process (pids are reused: its start time must match too)? */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { sep } from 'node:path';
import { startTimeOf } from '../../../peer/store/data-dir-lock.js';

export { startTimeOf };

/** True when `pid` runs (not a zombie) and, where /proc says, started at `startTime`. */
export function processRunning(pid: number, startTime: string | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (isZombie(pid)) return false;
  const now = startTimeOf(pid);
  return startTime === undefined || now === undefined || now === startTime;
}

/** SIGTERM (SIGKILL after `graceMs`); resolves once the process is gone. */
export async function endProcess(pid: number, startTime: string | undefined, graceMs = 10_000): Promise<void> {
  if (!processRunning(pid, startTime)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (processRunning(pid, startTime)) {
    if (Date.now() >= deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch { /* gone meanwhile */ }
      for (const end = Date.now() + 5_000; processRunning(pid, startTime) && Date.now() < end; ) await new Promise((resolve) => setTimeout(resolve, 20));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A zombie has exited; only its parent's wait is missing (Linux; elsewhere false). */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/**
 * The processes whose working directory is inside `dir` (Linux /proc; elsewhere none),
 * by pid. The process spawner starts every peer in its instance dir, so this finds one
 * whose record was never written: a dispatcher stopped between the spawn and the record.
 * A directory removed meanwhile still matches (/proc then adds " (deleted)").
 */
export function processesIn(dir: string): number[] {
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(prefix)) found.push(pid);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}
