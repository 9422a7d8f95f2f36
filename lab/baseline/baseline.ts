/**
 * The in-run noise baseline: before a run's peers start and after they are gone, the
 * lab measures the machine itself for about a second — a raw grpc-js echo, the load
 * average and CPU steal — so a report says how noisy the machine was while it ran.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { percentileOf, roundTo } from '../metrics/stats.js';
import type { Baseline } from '../report/types.js';
import { readCpuTimes, stealPercent } from './cpu-steal.js';
import { measureGrpcEcho, type EchoOptions } from './grpc-echo.js';

/** How long CPU steal is measured over; the echo runs inside this window. */
export const BASELINE_WINDOW_MS = 1_000;

/** One measurement window (before or after a run). */
export interface BaselineWindow {
  /** Echo round trips in µs (empty if the echo failed). */
  echoUs: number[];
  loadAvg: [number, number, number];
  /** null where /proc/stat is unavailable. */
  stealPercent: number | null;
  notes: string[];
}

export interface BaselineOptions {
  windowMs?: number;
  echo?: EchoOptions;
}

/** Measures one window: load average now, echo round trips, CPU steal over the window. */
export async function measureBaselineWindow({ windowMs = BASELINE_WINDOW_MS, echo }: BaselineOptions = {}): Promise<BaselineWindow> {
  const began = performance.now();
  const load = loadavg().map((v) => roundTo(v, 2)) as [number, number, number];
  const cpuBefore = await readCpuTimes();
  const notes: string[] = [];
  let echoUs: number[] = [];
  try {
    echoUs = await measureGrpcEcho({ maxMs: Math.max(100, windowMs - 200), ...echo });
  } catch (err) {
    notes.push(`grpc echo failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const left = began + windowMs - performance.now();
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  const cpuAfter = cpuBefore && (await readCpuTimes());
  if (!cpuBefore || !cpuAfter) notes.push('CPU steal is not available here (no /proc/stat): shown as 0');
  return { echoUs, loadAvg: load, stealPercent: cpuBefore && cpuAfter ? roundTo(stealPercent(cpuBefore, cpuAfter), 2) : null, notes };
}

/** The Baseline of a span (one run, or the whole report): echo round trips of every window pooled. */
export function baselineOf(before: BaselineWindow, after: BaselineWindow, echoWindows: readonly BaselineWindow[] = [before, after]): Baseline {
  const echo = echoWindows.flatMap((w) => w.echoUs).sort((a, b) => a - b);
  const notes = [...new Set([...before.notes, ...after.notes])];
  const baseline: Baseline = {
    grpc_echo: { p50_us: roundTo(percentileOf(echo, 50), 1), p99_us: roundTo(percentileOf(echo, 99), 1), samples: echo.length },
    load_avg: { before: before.loadAvg, after: after.loadAvg },
    cpu_steal_percent: { before: before.stealPercent ?? 0, after: after.stealPercent ?? 0 },
  };
  if (notes.length) baseline.notes = notes;
  return baseline;
}

/** A baseline that was never measured (a schema v1 report), saying so. */
export function unmeasuredBaseline(why: string): Baseline {
  return {
    grpc_echo: { p50_us: 0, p99_us: 0, samples: 0 },
    load_avg: { before: [0, 0, 0], after: [0, 0, 0] },
    cpu_steal_percent: { before: 0, after: 0 },
    notes: [why],
  };
}
