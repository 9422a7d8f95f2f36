import { UsageError } from './usage-error.js';

/** Commander collector for a repeatable `--set key=value`. */
export function collectSet(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * `--set` values as the scenario loader's overrides (`{ peers: "5,10" }`), with
 * `--seed N` as a shorthand for `--set seed=N`. A key given twice keeps the last value.
 */
export function overridesFrom(sets: readonly string[], seed: string | undefined): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const entry of sets) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set ${entry}: expected key=value, e.g. --set peers=10 or --set peers=5,10 for a sweep`);
    overrides[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  if (seed !== undefined) {
    if (!/^\d+$/.test(seed)) throw new UsageError(`--seed: expected a whole number from 0 to 4294967295, got "${seed}"`);
    overrides.seed = seed;
  }
  return overrides;
}
