/** A linear map from a data domain onto a pixel range. */
export interface Scale {
  (value: number): number;
  domain: [number, number];
}

/** Linear scale; a zero-width domain maps everything to the range's start. */
export function linear([d0, d1]: [number, number], [r0, r1]: [number, number]): Scale {
  const span = d1 - d0;
  const f = ((v: number) => (span === 0 ? r0 : r0 + ((v - d0) / span) * (r1 - r0))) as Scale;
  f.domain = [d0, d1];
  return f;
}

/** About `count` round tick values covering [min, max] (steps of 1, 2 or 5 × 10^n). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Rounds a domain's upper end up to the next nice tick, so the top gridline frames the data. */
export function niceMax(max: number, count = 5): number {
  if (max <= 0) return 1;
  const ticks = niceTicks(0, max, count);
  const last = ticks[ticks.length - 1]!;
  if (last >= max) return last;
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : max;
  return last + step;
}

/** Formats a tick value compactly: 1500 → "1.5k", 0.25 → "0.25". */
export function formatTick(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(4)));
}

/** Log10 scale over whole decades covering [min, max]; values ≤ 0 sit at the bottom. */
export function logScale(min: number, max: number, [r0, r1]: [number, number]): { scale: Scale; ticks: number[] } {
  const lo = 10 ** Math.floor(Math.log10(min > 0 ? min : 0.1));
  const hi = 10 ** Math.ceil(Math.log10(max > lo ? max : lo * 10));
  const inner = linear([Math.log10(lo), Math.log10(hi)], [r0, r1]);
  const f = ((v: number) => inner(Math.log10(Math.max(lo, v)))) as Scale;
  f.domain = [lo, hi];
  const ticks: number[] = [];
  for (let d = Math.log10(lo); d <= Math.log10(hi) + 1e-9; d++) ticks.push(Number((10 ** d).toPrecision(6)));
  return { scale: f, ticks };
}
