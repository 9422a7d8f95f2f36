/**
 * A throughput window is measured from two marks taken by the process that
 * counts, on its own clock, so IPC delays between the bench and its children
 * do not enter the rate.
 */
import { performance } from 'node:perf_hooks';

/** A counter's value at a moment, with this process's CPU time so far. */
export interface WindowMark {
  atMs: number;
  count: number;
  cpuUs: number;
}

export function markNow(count: number): WindowMark {
  const cpu = process.cpuUsage();
  return { atMs: performance.now(), count, cpuUs: cpu.user + cpu.system };
}

/** Events per second, and the CPU the process used (1.0 = one core busy), between two marks. */
export function windowRate(start: WindowMark, end: WindowMark): { perSecond: number; seconds: number; cpuCores: number } {
  const seconds = (end.atMs - start.atMs) / 1000;
  return {
    perSecond: (end.count - start.count) / seconds,
    seconds,
    cpuCores: (end.cpuUs - start.cpuUs) / 1e6 / seconds,
  };
}
