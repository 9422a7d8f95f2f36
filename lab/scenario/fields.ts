import { parseDuration } from './duration.js';
import { ScenarioError, shown } from './errors.js';

/**
 * Typed readers for one field of a parsed YAML tree. Each one either returns the value
 * in the type asked for or throws a ScenarioError naming the file, the field path and
 * what is allowed.
 */
export class Fields {
  constructor(readonly file: string) {}

  /** Throws a ScenarioError for `path`. */
  fail(path: string, problem: string): never {
    throw new ScenarioError(this.file, path, problem);
  }

  /** A mapping whose keys are all in `allowed`; `required` keys must be present. */
  map(value: unknown, path: string, allowed: readonly string[], required: readonly string[] = []): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(path, `must be a mapping with keys ${allowed.join(', ')}, got ${shown(value)}`);
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) {
        this.fail(join(path, key), `unknown field; allowed here: ${allowed.join(', ') || 'none'}`);
      }
    }
    for (const key of required) {
      if (record[key] === undefined || record[key] === null) this.fail(join(path, key), 'is required');
    }
    return record;
  }

  /** A list. */
  list(value: unknown, path: string, what: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, `must be a list of ${what}, got ${shown(value)}`);
    return value;
  }

  /** A non-empty string. */
  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(path, `must be a non-empty string, got ${shown(value)}`);
    return value;
  }

  /** A finite number in [min, max]; `what` says what it measures, for the message. */
  number(value: unknown, path: string, what: string, opts: { min?: number; max?: number; integer?: boolean; positive?: boolean } = {}): number {
    const n = typeof value === 'number' ? value : Number.NaN;
    const ok =
      Number.isFinite(n) &&
      (!opts.integer || Number.isInteger(n)) &&
      (!opts.positive || n > 0) &&
      (opts.min === undefined || n >= opts.min) &&
      (opts.max === undefined || n <= opts.max);
    if (!ok) this.fail(path, `must be ${what}, got ${shown(value)}`);
    return n;
  }

  /** A whole number >= 1. */
  count(value: unknown, path: string, what: string): number {
    return this.number(value, path, `a whole number of ${what}, at least 1`, { integer: true, min: 1 });
  }

  /** A duration (250ms, 2s, 1.5m, or ms as a number), returned in ms. */
  duration(value: unknown, path: string): number {
    try {
      return parseDuration(value);
    } catch (err) {
      this.fail(path, (err as Error).message);
    }
  }

  /** One of a fixed set of words. */
  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      this.fail(path, `must be one of ${allowed.join(' | ')}, got ${shown(value)}`);
    }
    return value as T;
  }

  /** A boolean. */
  boolean(value: unknown, path: string): boolean {
    if (typeof value !== 'boolean') this.fail(path, `must be true or false, got ${shown(value)}`);
    return value;
  }
}

/** Joins a field path: join('steps[2]', 'load') → 'steps[2].load'. */
export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}
