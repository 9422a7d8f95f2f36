/**
 * The open-model schedule of a load step: arrivals at exact times, whatever the peers
 * do, so a slow peer cannot slow the load down and hide its own latency.
 */
import { onLabGrid } from './clock.js';

/** When the n-th arrival is due: `streams` interleaved streams (one per pair) of `rate`/s each. */
export function arrivalTime(begin: number, rate: number, streams: number, n: number): number {
  const k = Math.floor(n / streams);
  const j = n % streams;
  // Pairs are staggered inside each period, so they do not all fire in the same millisecond.
  return onLabGrid(begin + ((k + j / streams) * 1000) / rate);
}

/** How many arrivals fall inside [begin, begin + durationMs). */
export function arrivalCount(rate: number, streams: number, durationMs: number): number {
  return Math.max(0, Math.ceil((durationMs * rate) / 1000 - 1e-9)) * streams;
}

/**
 * A random sender among `candidates` and a random other recipient, from two draws in
 * [0, 1). Undefined with fewer than two candidates.
 */
export function pickPair<T>(candidates: readonly T[], r1: number, r2: number): [T, T] | undefined {
  if (candidates.length < 2) return undefined;
  const i = Math.floor(r1 * candidates.length);
  let j = Math.floor(r2 * (candidates.length - 1));
  if (j >= i) j++;
  return [candidates[i]!, candidates[j]!];
}

/** Message text of exactly `size` bytes (ASCII filler); the peer assigns the message id. */
export function fillerText(size: number): string {
  return 'peerlab-load:'.padEnd(size, 'x').slice(0, size);
}
