import { describe, expect, it } from 'vitest';
import { ScenarioError } from './errors.js';
import { parseScenario } from './parse.js';

const FILE = 'scenarios/g.yaml';
const scenario = (load: string, extra = '') => `
name: g
seed: 9
params: { peers: 6 }
steps:
  - start: { count: \${peers} }
  - load: ${load}
  - wait_for: { condition: gossip_delivered, timeout: 10s }
${extra}`;

function error(text: string): string {
  try {
    parseScenario(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).message;
  }
  throw new Error('expected a ScenarioError');
}

describe('broadcast load', () => {
  it('reads authors as a count picked with the seed, the room, and the gossip wait', () => {
    const [s] = parseScenario(scenario('{ pattern: broadcast, authors: 3, rate: 20, duration: 2s }'), FILE);
    const load = s!.steps[1]!;
    expect(load).toMatchObject({ kind: 'load', pattern: 'broadcast', room: 'everyone', authorsPick: 'random', rate: 20 });
    const authors = load.kind === 'load' ? load.authors! : [];
    expect(authors).toHaveLength(3);
    expect(new Set(authors).size).toBe(3);
    expect(authors.every((a) => a >= 0 && a < 6)).toBe(true);
    // The same seed picks the same authors; another seed may not.
    expect(parseScenario(scenario('{ pattern: broadcast, authors: 3, rate: 20, duration: 2s }'), FILE)[0]!.steps[1]).toEqual(load);
    expect(s!.steps[2]).toMatchObject({ kind: 'wait_for', condition: 'gossip_delivered', timeoutMs: 10_000 });
  });

  it('takes fixed indexes, all, or { random: N }, and a room', () => {
    const pick = (authors: string) => {
      const step = parseScenario(scenario(`{ pattern: broadcast, authors: ${authors}, room: lobby, rate: 5, duration: 1s }`), FILE)[0]!.steps[1]!;
      return step.kind === 'load' ? [step.authors, step.authorsPick, step.room] : [];
    };
    expect(pick('[4, 1]')).toEqual([[1, 4], 'indexes', 'lobby']);
    expect(pick('all')).toEqual([[0, 1, 2, 3, 4, 5], 'all', 'lobby']);
    expect(pick('{ random: 2 }')[1]).toBe('random');
  });

  it('explains what is wrong', () => {
    expect(error(scenario('{ pattern: broadcast, rate: 5, duration: 1s }'))).toMatch(/^scenarios\/g\.yaml: steps\[1\]\.load\.authors: is required when pattern is broadcast/);
    expect(error(scenario('{ pattern: broadcast, authors: 0, rate: 5, duration: 1s }'))).toBe(
      'scenarios/g.yaml: steps[1].load.authors: must be a whole number of authors, at least 1, got 0',
    );
    expect(error(scenario('{ pattern: broadcast, authors: 7, rate: 5, duration: 1s }'))).toBe(
      'scenarios/g.yaml: steps[1].load.authors.random: asks for 7 peers but only 6 are up or paused at this step',
    );
    expect(error(scenario('{ pattern: broadcast, authors: [6], rate: 5, duration: 1s }'))).toBe(
      'scenarios/g.yaml: steps[1].load.authors[0]: peer 6 does not exist at this step (6 started, indexes 0-5)',
    );
    expect(error(scenario('{ pattern: broadcast, authors: 2, room: "two words", rate: 5, duration: 1s }'))).toBe(
      'scenarios/g.yaml: steps[1].load.room: room name must not contain spaces or control characters, got "two words"',
    );
    expect(error(scenario('{ pattern: random, authors: 2, rate: 5, duration: 1s }'))).toBe('scenarios/g.yaml: steps[1].load.authors: only applies to pattern: broadcast');
    expect(error(scenario('{ pattern: broadcast, authors: 2, pairs: [[0, 1]], rate: 5, duration: 1s }'))).toBe('scenarios/g.yaml: steps[1].load.pairs: only applies to pattern: pairs');
    expect(error(scenario('{ pattern: gossip, rate: 5, duration: 1s }'))).toBe('scenarios/g.yaml: steps[1].load.pattern: must be one of random | pairs | broadcast, got "gossip"');
  });

  it('accepts gossip SLOs with their units and refuses unknown ones', () => {
    const [s] = parseScenario(scenario('{ pattern: broadcast, authors: 2, rate: 5, duration: 1s }', 'slos:\n  - gossip.dissemination.p99_ms < 1.5s\n  - gossip.amplification < 8x\n  - gossip.ingest.ingest_vs_ceiling < 50%'), FILE);
    expect(s!.slos.map((x) => [x.metric, x.threshold])).toEqual([
      ['gossip.dissemination.p99_ms', 1500],
      ['gossip.amplification', 8],
      ['gossip.ingest.ingest_vs_ceiling', 0.5],
    ]);
    expect(error(scenario('{ pattern: broadcast, authors: 2, rate: 5, duration: 1s }', 'slos:\n  - gossip.p99 < 5ms'))).toMatch(/unknown metric "gossip\.p99"/);
  });
});
