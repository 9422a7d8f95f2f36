/** Nearest-rank percentile of an ascending array; 0 when empty. */
export function percentileOf(sorted: readonly number[], percentile: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((percentile / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Mean of an array; 0 when empty. */
export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/** Rounds to `digits` decimals. */
export function roundTo(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Sorts peer names by their index (p2 before p10), other names after, alphabetically. */
export function byPeerIndex(a: string, b: string): number {
  const na = /^p(\d+)$/.exec(a);
  const nb = /^p(\d+)$/.exec(b);
  if (na && nb) return Number(na[1]) - Number(nb[1]);
  if (na) return -1;
  if (nb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The smallest of `values` (`empty` for none), by a loop: `Math.min(...values)` overflows the stack past about 10⁵ values. */
export function minOf(values: readonly number[], empty = 0): number {
  let min = Number.POSITIVE_INFINITY;
  for (const v of values) if (v < min) min = v;
  return values.length ? min : empty;
}

/** Largest value, or `empty` when there are none (no spread: arrays may be huge). */
export function maxOf(values: readonly number[], empty = 0): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > max) max = v;
  return values.length ? max : empty;
}
