/**
 * Per-peer CPU, measured on the peer's own clock, and a check of the results against
 * what the machine can do. A percentage timed by when the lab happened to receive each
 * Stats reply swings with the lab's own delays (under overload, 5 peers once added up
 * to 271 % on 2 cores); the peer's uptime is read at the same moment as its CPU time,
 * so their differences give the true share.
 */
import type { HistoryEvent, SampleEvent } from './events.js';
import { roundTo } from './stats.js';
import type { CpuMetrics } from './types.js';

/** One Stats reading of a peer: CPU time (user + system) and uptime, taken together by the peer. */
export interface CpuReading {
  cpuUs: number;
  uptimeMs: number;
}

/**
 * CPU use between two readings of one peer, in percent of one core, over the time that
 * passed on the peer's own clock. Undefined when none did or the counters went back
 * (the process restarted): there is no honest number then.
 */
export function cpuPercentBetween(previous: CpuReading, current: CpuReading): number | undefined {
  const elapsedUs = (current.uptimeMs - previous.uptimeMs) * 1000;
  const usedUs = current.cpuUs - previous.cpuUs;
  if (!(elapsedUs > 0) || usedUs < 0) return undefined;
  return (usedUs / elapsedUs) * 100;
}

/**
 * A peer is one Node.js process whose work runs on one thread; GC helpers and the libuv
 * pool (fsync) add a little on top. Above one core plus this much, a sample is flagged.
 */
export const ONE_PEER_TOLERANCE_PERCENT = 25;
/** Samples of different peers cover slightly different intervals; the sum may overshoot the cores by this share before it is flagged. */
export const SUM_TOLERANCE = 0.1;
/** Flags kept in the report (the count says how many there were). */
const MAX_FLAGS = 20;
/** The window in which every peer's samples are added up (each peer is sampled about twice a second). */
const SUM_WINDOW_MS = 1_000;

type Flag = CpuMetrics['implausible'][number];

/**
 * CPU values that cannot be right, flagged (not dropped): one peer above one core plus
 * ONE_PEER_TOLERANCE_PERCENT, or the peers together above every core of the machine
 * (from the run's `host` event) in a one-second window.
 */
export function implausibleCpu(events: readonly HistoryEvent[]): { flags: Flag[]; count: number; cores: number | null } {
  const host = events.find((e) => e.type === 'host');
  const cores = host?.type === 'host' ? host.cores : null;
  const samples = events.filter((e): e is SampleEvent & { cpuPercent: number } => e.type === 'sample' && e.cpuPercent !== undefined);
  const flags: Flag[] = [];
  const onePeerLimit = 100 + ONE_PEER_TOLERANCE_PERCENT;
  for (const s of samples) {
    if (s.cpuPercent > onePeerLimit) flags.push({ t_ms: s.t, peer: s.peer, percent: roundTo(s.cpuPercent, 1), limit_percent: onePeerLimit });
  }
  if (cores !== null) {
    const limit = cores * 100;
    for (const [window, byPeer] of windows(samples)) {
      const sum = [...byPeer.values()].reduce((total, values) => total + values.reduce((a, b) => a + b, 0) / values.length, 0);
      if (sum > limit * (1 + SUM_TOLERANCE)) flags.push({ t_ms: window * SUM_WINDOW_MS, peer: null, percent: roundTo(sum, 1), limit_percent: limit });
    }
  }
  flags.sort((a, b) => a.t_ms - b.t_ms);
  return { flags: flags.slice(0, MAX_FLAGS), count: flags.length, cores };
}

/** Samples by one-second window, then by peer. */
function windows(samples: ReadonlyArray<SampleEvent & { cpuPercent: number }>): Map<number, Map<string, number[]>> {
  const out = new Map<number, Map<string, number[]>>();
  for (const s of samples) {
    const w = Math.floor(s.t / SUM_WINDOW_MS);
    let byPeer = out.get(w);
    if (!byPeer) out.set(w, (byPeer = new Map()));
    let values = byPeer.get(s.peer);
    if (!values) byPeer.set(s.peer, (values = []));
    values.push(s.cpuPercent);
  }
  return out;
}
