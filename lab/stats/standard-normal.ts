/** Standard normal draws from a uniform [0, 1) source (Box–Muller), for seeded simulations. */
export function standardNormal(uniform: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}
