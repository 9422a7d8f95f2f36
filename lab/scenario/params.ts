import type { Fields } from './fields.js';
import { join } from './fields.js';
import { shown } from './errors.js';
import type { ParamValue } from './types.js';

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const REFERENCE = /\$\{([^}]*)\}/g;

/** One axis of a sweep: a settable key and the values it takes. */
export interface Axis {
  key: string;
  values: ParamValue[];
}

/**
 * Reads `params`: each is a scalar, or a list of scalars (a sweep written in the file).
 */
export function readParams(raw: unknown, f: Fields): Map<string, ParamValue[]> {
  const params = new Map<string, ParamValue[]>();
  if (raw === undefined || raw === null) return params;
  if (typeof raw !== 'object' || Array.isArray(raw)) f.fail('params', `must be a mapping of name: value, got ${shown(raw)}`);
  for (const [name, value] of Object.entries(raw)) {
    const path = join('params', name);
    if (!PARAM_NAME.test(name)) f.fail(path, 'a param name must be letters, digits and _ (not starting with a digit)');
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0) f.fail(path, 'a sweep list needs at least one value');
    values.forEach((v, i) => {
      if (!isScalar(v)) f.fail(Array.isArray(value) ? join(path, i) : path, `must be a number, string or boolean, got ${shown(v)}`);
    });
    params.set(name, values as ParamValue[]);
  }
  return params;
}

/** Turns a --set value into typed values: "5,10,20" → [5, 10, 20]; "2s" → ["2s"]. */
export function parseOverrideValue(text: string): ParamValue[] {
  return text.split(',').map((part) => {
    const s = part.trim();
    if (s === 'true' || s === 'false') return s === 'true';
    if (s !== '' && Number.isFinite(Number(s))) return Number(s);
    return s;
  });
}

/** Every combination of the axes' values (the cartesian product), in order. */
export function cartesian(axes: readonly Axis[]): Array<Record<string, ParamValue>> {
  let combos: Array<Record<string, ParamValue>> = [{}];
  for (const axis of axes) {
    combos = combos.flatMap((combo) => axis.values.map((v) => ({ ...combo, [axis.key]: v })));
  }
  return combos;
}

/**
 * Replaces `${name}` references in every string of `tree` with param values. A string
 * that is exactly one reference takes the param's type (`${peers}` → 5, a number);
 * otherwise the value is spliced into the text.
 */
export function interpolate(tree: unknown, params: Record<string, ParamValue>, f: Fields, path = ''): unknown {
  if (typeof tree === 'string') return interpolateString(tree, params, f, path);
  if (Array.isArray(tree)) return tree.map((v, i) => interpolate(v, params, f, join(path, i)));
  if (tree !== null && typeof tree === 'object') {
    return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, interpolate(v, params, f, join(path, k))]));
  }
  return tree;
}

function interpolateString(text: string, params: Record<string, ParamValue>, f: Fields, path: string): unknown {
  const lookup = (name: string): ParamValue => {
    const value = params[name.trim()];
    if (value === undefined) {
      const known = Object.keys(params);
      f.fail(path, `unknown param "${name}" in ${shown(text)}; ${known.length ? `params are: ${known.join(', ')}` : 'this scenario has no params'}`);
    }
    return value;
  };
  const whole = /^\$\{([^}]*)\}$/.exec(text);
  if (whole) return lookup(whole[1]!);
  return text.replace(REFERENCE, (_, name: string) => String(lookup(name)));
}

function isScalar(v: unknown): v is ParamValue {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

// `${x}` is not valid YAML where a value starts (`{` opens a flow map), yet people
// write `count: ${peers}`. So references are swapped for brackets YAML reads as plain
// text before parsing, and swapped back after.
const OPEN = '\u27e6';
const CLOSE = '\u27e7';

/** Makes `${name}` references safe to parse as YAML plain scalars. */
export function protectReferences(text: string): string {
  return text.replace(/\$\{([^}\n]*)\}/g, `${OPEN}$1${CLOSE}`);
}

/** Undoes protectReferences in every string of a parsed tree. */
export function restoreReferences(tree: unknown): unknown {
  if (typeof tree === 'string') return tree.includes(OPEN) ? tree.replaceAll(OPEN, '${').replaceAll(CLOSE, '}') : tree;
  if (Array.isArray(tree)) return tree.map(restoreReferences);
  if (tree !== null && typeof tree === 'object') {
    return Object.fromEntries(Object.entries(tree).map(([k, v]) => [restoreReferences(k) as string, restoreReferences(v)]));
  }
  return tree;
}
