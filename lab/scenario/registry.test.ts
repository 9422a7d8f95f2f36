import { describe, expect, it } from 'vitest';
import { ScenarioError } from './errors.js';
import { parseScenario } from './parse.js';

const FILE = 'scenarios/x.yaml';

function scenario(registry: string, steps: string[]): string {
  return [`name: t`, registry, `steps:`, `  - start: { count: 2 }`, ...steps.map((s) => `  - ${s}`)].join('\n');
}

function problem(text: string): string {
  try {
    parseScenario(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error('expected a ScenarioError');
}

describe('registry: in scenarios', () => {
  it('reads registry: etcd and alternating stop/start steps', () => {
    const [s] = parseScenario(scenario('registry: etcd', ['registry: { stop: true, label: down }', 'registry: { start: true }']), FILE);
    expect(s!.registry).toBe('etcd');
    expect(s!.steps.slice(1)).toEqual([
      { kind: 'registry', action: 'stop', index: 1, label: 'down' },
      { kind: 'registry', action: 'start', index: 2 },
    ]);
  });

  it('refuses what cannot run, naming the field', () => {
    expect(problem(scenario('registry: consul', []))).toMatch(/registry: must be one of etcd/);
    expect(problem(scenario('', ['registry: { stop: true }']))).toMatch(/steps\[1\]\.registry: needs a registry.*registry: etcd/);
    expect(problem(scenario('registry: etcd', ['registry: { start: true }']))).toMatch(/steps\[1\]\.registry: the registry is already running/);
    expect(problem(scenario('registry: etcd', ['registry: { stop: true }', 'registry: { stop: true }']))).toMatch(/already stopped/);
    expect(problem(scenario('registry: etcd', ['registry: { stop: true, start: true }']))).toMatch(/must be \{ stop: true \} or \{ start: true \}/);
    expect(problem(scenario('registry: etcd', ['registry: { pause: true }']))).toMatch(/unknown field/);
  });
});
