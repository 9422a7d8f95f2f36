import { describe, expect, it } from 'vitest';
import { ScenarioError } from './errors.js';
import { parseScenario, withSeed } from './parse.js';
import { deriveSeed } from './random.js';

const FILE = 'scenarios/x.yaml';
const TEXT = (extra = '') => `
name: t
seed: 5
${extra}params:
  peers: 6
steps:
  - start: { count: \${peers} }
  - kill: { peers: { random: 2 } }
  - restart: { peers: { random: 2 } }
  - load: { rate: 10, duration: 2s }
`;

function problem(text: string, overrides: Record<string, string> = {}): string {
  try {
    parseScenario(text, FILE, overrides);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error('expected a ScenarioError');
}

describe('repeat: in a scenario file', () => {
  it('is 1 unless the file says, and a whole number of runs from 1 to 100', () => {
    expect(parseScenario(TEXT(), FILE)[0]!.repeat).toBe(1);
    expect(parseScenario(TEXT('repeat: 5\n'), FILE)[0]!.repeat).toBe(5);
    expect(problem(TEXT('repeat: 0\n'))).toBe('scenarios/x.yaml: repeat: must be a whole number of runs from 1 to 100, got 0');
    expect(problem(TEXT('repeat: 2.5\n'))).toBe('scenarios/x.yaml: repeat: must be a whole number of runs from 1 to 100, got 2.5');
    expect(problem(TEXT('repeat: 101\n'))).toBe('scenarios/x.yaml: repeat: must be a whole number of runs from 1 to 100, got 101');
    expect(problem(TEXT('repeat: many\n'))).toBe('scenarios/x.yaml: repeat: must be a whole number of runs from 1 to 100, got "many"');
  });

  it('is not a --set setting: the message points to --repeat', () => {
    expect(problem(TEXT(), { repeat: '3' })).toBe('scenarios/x.yaml: --set repeat: the number of runs is not a setting; use --repeat N');
  });
});

describe('deriveSeed', () => {
  it('keeps the run seed for run 0 and mixes it with the index after', () => {
    expect(deriveSeed(42, 0)).toBe(42);
    const seeds = Array.from({ length: 50 }, (_, i) => deriveSeed(42, i));
    expect(new Set(seeds).size).toBe(50);
    expect(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 32)).toBe(true);
    // The same for the same inputs, on any machine; another run seed gives other seeds.
    expect(deriveSeed(42, 7)).toBe(deriveSeed(42, 7));
    expect(deriveSeed(43, 7)).not.toBe(deriveSeed(42, 7));
  });

  it('refuses a run index that is not a whole number from 0', () => {
    expect(() => deriveSeed(1, -1)).toThrow('run index must be a whole number from 0, got -1');
  });
});

describe('withSeed', () => {
  it('is the scenario as if the file had that seed: random picks made again from it', () => {
    const [scenario] = parseScenario(TEXT('repeat: 3\n'), FILE, { peers: '8' });
    const seeds = [0, 1, 2].map((i) => deriveSeed(scenario!.seed, i));
    const reseeded = seeds.map((seed) => withSeed(scenario!, seed));
    for (const [i, run] of reseeded.entries()) {
      const [direct] = parseScenario(TEXT('repeat: 3\n'), FILE, { peers: '8', seed: String(seeds[i]) });
      expect(run.seed).toBe(seeds[i]);
      expect(run.steps).toEqual(direct!.steps);
      // What the run was asked to be stays: params, overrides, run count.
      expect(run).toMatchObject({ repeat: 3, params: { peers: 8 }, overrides: { peers: '8' } });
    }
    expect(reseeded[0]).toBe(scenario);
    const victims = reseeded.map((r) => JSON.stringify(r.steps[1]));
    expect(new Set(victims).size).toBeGreaterThan(1);
  });
});
