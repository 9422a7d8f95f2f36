/**
 * A small seeded PRNG (mulberry32): the same seed gives the same picks on every machine,
 * so a run's random choices can be reproduced from the seed in its report.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Picks `n` distinct items from `items` with `random`, returned in ascending order. */
export function pickDistinct(items: readonly number[], n: number, random: () => number): number[] {
  const pool = [...items];
  // Partial Fisher-Yates: only the first n slots need shuffling.
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n).sort((a, b) => a - b);
}
