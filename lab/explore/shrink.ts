/**
 * Shrinking a failing fault schedule: delta debugging (Zeller's ddmin) over its faults,
 * then each remaining fault made shorter while the run still violates. Every candidate
 * is checked by `violates`, which reruns it; `budget` bounds how many reruns it may take.
 */
import type { Fault } from './faults.js';

/** The shortest a fault is cut to. */
const MIN_FOR_MS = 100;

export interface ShrinkResult {
  faults: Fault[];
  /** Candidates rerun. */
  tries: number;
}

/** The smallest schedule found that still `violates`, within `budget` reruns. */
export async function shrinkFaults(faults: readonly Fault[], violates: (candidate: Fault[]) => Promise<boolean>, budget: number): Promise<ShrinkResult> {
  let tries = 0;
  const test = async (candidate: Fault[]): Promise<boolean> => {
    if (tries >= budget) return false;
    tries++;
    return violates(candidate);
  };
  let current = await fewer([...faults], test);
  current = await shorter(current, test);
  return { faults: current, tries };
}

/** ddmin: try each chunk alone, then each complement, at finer granularity until single faults. */
async function fewer(faults: Fault[], test: (candidate: Fault[]) => Promise<boolean>): Promise<Fault[]> {
  if (faults.length > 0 && (await test([]))) return [];
  let current = faults;
  let n = 2;
  while (current.length >= 2) {
    const chunks = split(current, n);
    let reduced = false;
    for (const chunk of chunks) {
      if (await test(chunk)) {
        [current, n, reduced] = [chunk, 2, true];
        break;
      }
    }
    if (!reduced && n > 2) {
      for (let i = 0; i < chunks.length; i++) {
        const complement = chunks.filter((_, j) => j !== i).flat();
        if (await test(complement)) {
          [current, n, reduced] = [complement, Math.max(n - 1, 2), true];
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= current.length) break;
      n = Math.min(current.length, 2 * n);
    }
  }
  return current;
}

/** Halves each fault's length while the schedule still violates. */
async function shorter(faults: Fault[], test: (candidate: Fault[]) => Promise<boolean>): Promise<Fault[]> {
  let current = faults;
  for (let i = 0; i < current.length; i++) {
    for (;;) {
      const fault = current[i]!;
      const forMs = Math.round(fault.forMs / 2 / 10) * 10;
      if (fault.forMs === 0 || forMs < MIN_FOR_MS) break;
      const candidate = current.map((f, j) => (j === i ? { ...f, forMs } : f));
      if (!(await test(candidate))) break;
      current = candidate;
    }
  }
  return current;
}

/** `items` in `n` nearly equal consecutive chunks. */
function split<T>(items: readonly T[], n: number): T[][] {
  const chunks: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = start + Math.floor((items.length - start) / (n - i));
    chunks.push(items.slice(start, end));
    start = end;
  }
  return chunks.filter((c) => c.length > 0);
}
