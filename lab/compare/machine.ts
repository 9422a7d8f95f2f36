import type { Baseline, Report } from '../report/types.js';
import { measuredBaseline } from './runs.js';

/** One line of the side-by-side baseline table. */
export interface MachineRow {
  name: string;
  base: string;
  next: string;
}

/** Both reports' noise baselines side by side, and what says the machine (not the code) changed. */
export interface MachineComparison {
  base: Baseline | null;
  next: Baseline | null;
  rows: MachineRow[];
  /** "the machine changed, not the code: …" lines. */
  warnings: string[];
  /** Why there is nothing to compare (a v1 report has no baseline). */
  notes: string[];
}

/** Load averages closer than this (in runnable tasks) never warn: half a core's worth is ordinary jitter. */
const LOAD_FLOOR = 0.5;
/** CPU steal closer than this (percentage points) never warns. */
const STEAL_FLOOR = 1;

/**
 * Compares the machine as each report measured it. Warns when the raw gRPC echo's p50 or
 * p99 differ by more than ±band, when the 1-minute load average (mean of before and after)
 * differs by more than ±band and by at least 0.5, or when CPU steal (the larger of before
 * and after) differs by at least 1 point: then a difference in the metrics may be the
 * machine's, not the code's.
 */
export function compareMachines(base: Report, next: Report, band: number): MachineComparison {
  const b = measuredBaseline(base) ?? null;
  const n = measuredBaseline(next) ?? null;
  const missing = [b ? '' : 'BASE', n ? '' : 'NEW'].filter(Boolean);
  const notes = [
    ...(missing.length ? [`${missing.join(' and ')} ${missing.length > 1 ? 'have' : 'has'} no noise baseline (a schema 1 report, from before baselines were measured): the machine's noise cannot be compared`] : []),
    ...[...new Set([...(b?.notes ?? []), ...(n?.notes ?? [])])],
  ];
  const show = (x: Baseline | null, f: (x: Baseline) => string) => (x ? f(x) : '—');
  const rows: MachineRow[] = [
    { name: 'grpc echo p50', base: show(b, (x) => us(x.grpc_echo.p50_us)), next: show(n, (x) => us(x.grpc_echo.p50_us)) },
    { name: 'grpc echo p99', base: show(b, (x) => us(x.grpc_echo.p99_us)), next: show(n, (x) => us(x.grpc_echo.p99_us)) },
    { name: 'load average, 1 min (before → after)', base: show(b, (x) => `${x.load_avg.before[0].toFixed(2)} → ${x.load_avg.after[0].toFixed(2)}`), next: show(n, (x) => `${x.load_avg.before[0].toFixed(2)} → ${x.load_avg.after[0].toFixed(2)}`) },
    { name: 'CPU steal (before → after)', base: show(b, (x) => `${pct(x.cpu_steal_percent.before)} → ${pct(x.cpu_steal_percent.after)}`), next: show(n, (x) => `${pct(x.cpu_steal_percent.before)} → ${pct(x.cpu_steal_percent.after)}`) },
  ];
  return { base: b, next: n, rows, warnings: b && n ? machineWarnings(b, n, band) : [], notes };
}

function machineWarnings(b: Baseline, n: Baseline, band: number): string[] {
  const out: string[] = [];
  const warn = (what: string) => out.push(`the machine changed, not the code: ${what}`);
  const relative = (x: number, y: number) => (x === 0 ? (y === 0 ? 0 : Infinity) : (y - x) / x);
  const signed = (r: number) => (Number.isFinite(r) ? `${r > 0 ? '+' : ''}${Math.round(r * 100)} %` : 'from 0');
  for (const key of ['p50_us', 'p99_us'] as const) {
    const r = relative(b.grpc_echo[key], n.grpc_echo[key]);
    if (Math.abs(r) > band) warn(`grpc echo ${key.slice(0, 3)} ${us(b.grpc_echo[key])} → ${us(n.grpc_echo[key])} (${signed(r)}, band ±${Math.round(band * 100)} %)`);
  }
  const load = (x: Baseline) => (x.load_avg.before[0] + x.load_avg.after[0]) / 2;
  const rl = relative(load(b), load(n));
  if (Math.abs(rl) > band && Math.abs(load(n) - load(b)) >= LOAD_FLOOR) {
    warn(`load average ${load(b).toFixed(2)} → ${load(n).toFixed(2)} (${signed(rl)})`);
  }
  const steal = (x: Baseline) => Math.max(x.cpu_steal_percent.before, x.cpu_steal_percent.after);
  if (Math.abs(steal(n) - steal(b)) >= STEAL_FLOOR) warn(`CPU steal ${pct(steal(b))} → ${pct(steal(n))}`);
  return out;
}

function us(v: number): string {
  return `${v >= 100 ? Math.round(v) : Number(v.toFixed(1))} µs`;
}

function pct(v: number): string {
  return `${Number(v.toFixed(1))} %`;
}
