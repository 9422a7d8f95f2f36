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

/**
 * The seed of run `index` of a repeated run whose seed is `runSeed`. Run 0 uses the run
 * seed itself, so a single run is run 0 of any repeat, and any run of a repeat can be
 * reproduced alone with `--seed <its seed>`. Later runs get a well-mixed 32-bit seed
 * (a murmur3 finalizer over seed and index), so neighbouring indexes share no picks.
 */
export function deriveSeed(runSeed: number, index: number): number {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`run index must be a whole number from 0, got ${index}`);
  if (index === 0) return runSeed >>> 0;
  let h = (runSeed ^ Math.imul(index, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
