import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ScenarioError, shown } from './errors.js';
import { Fields, join } from './fields.js';
import { cartesian, interpolate, parseOverrideValue, protectReferences, readParams, restoreReferences, type Axis } from './params.js';
import { readNetwork } from './network.js';
import { PEER_FIELDS, readPeerSettings } from './peer-fields.js';
import { seededRandom } from './random.js';
import { Roster } from './roster.js';
import { parseSlo } from './slo.js';
import { readRuntimeSettings, RUNTIME_FIELDS } from './runtime-fields.js';
import { readStep } from './steps.js';
import type { ParamValue, Scenario, Step } from './types.js';

const TOP_LEVEL = ['name', 'description', 'seed', 'repeat', 'params', 'peer', 'network', 'runtime', 'registry', 'steps', 'slos'] as const;
/** A run's seed when the file gives none. */
export const DEFAULT_SEED = 1;
/** The most runs one report may hold: enough for any statistic, few enough to finish. */
export const MAX_REPEAT = 100;

/** Reads, validates and expands a scenario file: one Scenario per sweep combination. */
export async function loadScenario(path: string, overrides: Record<string, string> = {}): Promise<Scenario[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(path, '', `cannot read the scenario file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseScenario(text, path, overrides);
}

/** Parses scenario YAML text; `fileName` is used in error messages and recorded in the Scenario. */
export function parseScenario(text: string, fileName: string, overrides: Record<string, string> = {}): Scenario[] {
  const f = new Fields(fileName);
  const root = f.map(parseYaml(text, fileName), '', TOP_LEVEL, ['name', 'steps']);
  const params = readParams(root.params, f);
  const settings = settingsWithOverrides(params, overrides, f);

  const axes: Axis[] = [...settings].map(([key, values]) => ({ key, values }));
  const swept = axes.filter((a) => a.values.length > 1).map((a) => a.key);
  return cartesian(axes).map((combo) => {
    const paramValues = Object.fromEntries([...params.keys()].map((k) => [k, combo[k]!]));
    const tree: Record<string, unknown> = { ...root, peer: root.peer === null ? undefined : root.peer };
    delete tree.params;
    if (combo.seed !== undefined) tree.seed = combo.seed;
    for (const [key, value] of Object.entries(combo)) {
      const section = key.startsWith('peer.') ? 'peer' : key.startsWith('runtime.') ? 'runtime' : undefined;
      if (!section) continue;
      const current = tree[section] && typeof tree[section] === 'object' ? { ...(tree[section] as object) } : {};
      tree[section] = { ...current, [key.slice(section.length + 1)]: value };
    }
    const scenario = buildScenario(interpolate(tree, paramValues, f) as Record<string, unknown>, f);
    return {
      ...scenario,
      params: paramValues,
      sweep: Object.fromEntries(swept.map((k) => [k, combo[k]!])),
      overrides: { ...overrides },
    };
  });
}

/**
 * `registry: etcd`, and the registry steps it allows: they stop a running registry and
 * start a stopped one, in turn.
 */
function readRegistry(value: unknown, steps: Step[], f: Fields): 'etcd' | undefined {
  const registry = value === undefined ? undefined : f.oneOf(value, 'registry', ['etcd'] as const);
  let running = true;
  for (const step of steps) {
    if (step.kind !== 'registry') continue;
    const at = `steps[${step.index}].registry`;
    if (!registry) f.fail(at, 'needs a registry to stop or start: add "registry: etcd" at the top of the scenario');
    if ((step.action === 'stop') !== running) f.fail(at, `the registry is already ${running ? 'running' : 'stopped'}`);
    running = !running;
  }
  return registry;
}

function parseYaml(text: string, fileName: string): unknown {
  const doc = parseDocument(protectReferences(text), { prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const where = error.linePos?.[0] ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    throw new ScenarioError(fileName, where, `not valid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  return restoreReferences(doc.toJS());
}

/**
 * Everything a run can vary, as key → values: each param, and `seed`, `peer.*` and `runtime.*` when
 * --set names them. --set replaces the file's value; a comma list makes a sweep.
 */
function settingsWithOverrides(params: Map<string, ParamValue[]>, overrides: Record<string, string>, f: Fields): Map<string, ParamValue[]> {
  const settings = new Map(params);
  for (const [rawKey, text] of Object.entries(overrides)) {
    const key = rawKey.startsWith('params.') ? rawKey.slice('params.'.length) : rawKey;
    const values = parseOverrideValue(text);
    const isPeer = key.startsWith('peer.') && PEER_FIELDS.includes(key.slice(5));
    const isRuntime = key.startsWith('runtime.') && (RUNTIME_FIELDS as readonly string[]).includes(key.slice('runtime.'.length));
    if (key === 'repeat') throw new ScenarioError(f.file, `--set ${rawKey}`, 'the number of runs is not a setting; use --repeat N');
    if (key !== 'seed' && !isPeer && !isRuntime && !params.has(key)) {
      const settable = [...params.keys(), 'seed', ...PEER_FIELDS.map((k) => `peer.${k}`), ...RUNTIME_FIELDS.map((k) => `runtime.${k}`)];
      throw new ScenarioError(f.file, `--set ${rawKey}`, `unknown setting; settable: ${settable.join(', ')}`);
    }
    if (key === 'peer.args') throw new ScenarioError(f.file, `--set ${rawKey}`, 'peer.args cannot be set from the command line; edit the file');
    settings.set(key, values);
  }
  return settings;
}

/**
 * The scenario as run with another seed: the same file, params and overrides, with its
 * `random` picks and load draws made from `seed` (run i of a repeat uses deriveSeed(seed, i)).
 */
export function withSeed(scenario: Scenario, seed: number): Scenario {
  if (seed === scenario.seed) return scenario;
  const rebuilt = buildScenario({ ...scenario.tree, seed }, new Fields(scenario.file));
  return { ...rebuilt, repeat: scenario.repeat, params: scenario.params, sweep: scenario.sweep, overrides: scenario.overrides };
}

/** Checks a run count from the file or the command line: 1..MAX_REPEAT. */
export function checkRepeat(value: unknown, f: Fields, path: string): number {
  return f.number(value, path, `a whole number of runs from 1 to ${MAX_REPEAT}`, { integer: true, min: 1, max: MAX_REPEAT });
}

function buildScenario(tree: Record<string, unknown>, f: Fields): Omit<Scenario, 'params' | 'sweep' | 'overrides'> {
  const seed = tree.seed === undefined ? DEFAULT_SEED : f.number(tree.seed, 'seed', 'a whole number from 0 to 4294967295', { integer: true, min: 0, max: 2 ** 32 - 1 });
  const repeat = tree.repeat === undefined ? 1 : checkRepeat(tree.repeat, f, 'repeat');
  const roster = new Roster(f, seededRandom(seed));
  const rawSteps = f.list(tree.steps, 'steps', 'steps');
  if (rawSteps.length === 0) f.fail('steps', 'needs at least one step (start with "- start: { count: 5 }")');
  const steps = rawSteps.map((raw, i) => readStep(raw, i, f, roster));
  if (steps[0]?.kind !== 'start' && steps[0]?.kind !== 'login') f.fail('steps[0]', `the first step must be start or login, got ${steps[0]?.kind}`);
  const network = readNetwork(tree.network, f);
  const registry = readRegistry(tree.registry, steps, f);
  const slos = tree.slos === undefined || tree.slos === null ? [] : f.list(tree.slos, 'slos', 'SLO expressions').map((s, i) => parseSlo(s, join('slos', i), f));
  return {
    name: f.string(tree.name, 'name'),
    description: tree.description === undefined ? '' : typeof tree.description === 'string' ? tree.description.trim() : f.fail('description', `must be text, got ${shown(tree.description)}`),
    file: f.file,
    seed,
    repeat,
    peer: readPeerSettings(tree.peer, f),
    ...(network ? { network } : {}),
    runtime: readRuntimeSettings(tree.runtime, f),
    ...(registry ? { registry } : {}),
    steps,
    slos,
    tree,
  };
}
