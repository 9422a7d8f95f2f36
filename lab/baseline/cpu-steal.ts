/**
 * CPU steal: the share of time this machine's virtual CPUs were ready to run but the
 * hypervisor ran someone else. A noisy neighbour shows up here before it shows up as
 * "the code got slower". Read from /proc/stat (Linux); elsewhere it is unavailable.
 */
import { readFile } from 'node:fs/promises';

/** Cumulative CPU time over all CPUs, in clock ticks. */
export interface CpuTimes {
  steal: number;
  total: number;
}

/** The aggregate `cpu` line of /proc/stat's text, or undefined if it has none. */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is
  // already counted in user (and guest_nice in nice), so it is left out of the total.
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
  return { steal: fields[7]!, total: fields.reduce((a, b) => a + b, 0) };
}

/** Reads /proc/stat now; undefined where there is none (not Linux, a locked-down container). */
export async function readCpuTimes(path = '/proc/stat'): Promise<CpuTimes | undefined> {
  try {
    return parseProcStat(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Steal as a percentage of all CPU time between two readings; 0 when no time passed. */
export function stealPercent(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return Math.max(0, Math.min(100, ((after.steal - before.steal) / total) * 100));
}
