/** mulberry32, the lab's seeded PRNG: a failing fuzz or simulation run reproduces from its seed. Returns [0, 1). */
export { seededRandom as mulberry32 } from '../../lab/scenario/random.js';

/** An integer in [min, max], both included. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** `length` random bytes. */
export function randomBytes(random: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}
