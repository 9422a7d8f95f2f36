import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';
import { ScenarioError } from './errors.js';
import { parseScenario, withSeed } from './parse.js';
import { deriveSeed } from './random.js';

const FILE = 'scenarios/x.yaml';

const base = `
name: t
seed: 5
params:
  peers: 4
  rate: 10
steps:
  - start: { count: \${peers} }
  - load: { rate: \${rate}, duration: 2s }
slos:
  - latency.p99 < 50ms
`;

function error(text: string, overrides: Record<string, string> = {}): ScenarioError {
  try {
    parseScenario(text, FILE, overrides);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

/** The base scenario with one step line replaced. */
function withStep(line: string): string {
  return base.replace('  - load: { rate: ${rate}, duration: 2s }', line);
}

describe('parseScenario', () => {
  it('reads steps, params, seed and SLOs with durations in ms', () => {
    const [s] = parseScenario(base, FILE, {});
    expect(s).toMatchObject({
      name: 't',
      file: FILE,
      seed: 5,
      params: { peers: 4, rate: 10 },
      sweep: {},
      steps: [
        { kind: 'start', count: 4, index: 0 },
        { kind: 'load', pattern: 'random', rate: 10, durationMs: 2000, size: 256, background: false, index: 1 },
      ],
      slos: [{ metric: 'latency.p99', op: '<', threshold: 50 }],
    });
  });

  it('names file, field and what is allowed for a wrong type', () => {
    const e = error(base.replace('rate: 10', 'rate: fast'));
    expect(e.message).toBe('scenarios/x.yaml: steps[1].load.rate: must be a positive number of messages per second, got "fast"');
    expect(e.exitCode).toBe(64);
  });

  it('rejects an unknown field inside a step', () => {
    expect(error(withStep('  - load: { rate: 5, duration: 2s, speed: 3 }')).message).toBe(
      'scenarios/x.yaml: steps[1].load.speed: unknown field; allowed here: pattern, pairs, authors, room, rate, duration, size, background, label',
    );
  });

  it('rejects an unknown top-level field', () => {
    expect(error(`${base}\nslo: []\n`).message).toMatch(/^scenarios\/x\.yaml: slo: unknown field; allowed here: name, /);
  });

  it('rejects an unknown step and lists the known ones', () => {
    const e = error(withStep('  - explode: { peers: [1] }'));
    expect(e.message).toMatch(/^scenarios\/x\.yaml: steps\[1\]\.explode: unknown step; steps are start, wait_for, load,/);
  });

  it('names an unknown param and lists the known ones', () => {
    const e = error(withStep('  - load: { rate: ${speed}, duration: 2s }'));
    expect(e.message).toBe('scenarios/x.yaml: steps[1].load.rate: unknown param "speed" in "${speed}"; params are: peers, rate');
  });

  it('rejects a bad duration with the formats allowed', () => {
    const e = error(withStep('  - load: { rate: 5, duration: 2 weeks }'));
    expect(e.message).toBe('scenarios/x.yaml: steps[1].load.duration: must be a duration (250ms, 2s, 1.5m or a number of ms), got "2 weeks"');
  });

  it('rejects an unknown metric in an SLO', () => {
    const e = error(base.replace('latency.p99 < 50ms', 'latency.p42 < 50ms'));
    expect(e.field).toBe('slos[0]');
    expect(e.message).toMatch(/^scenarios\/x\.yaml: slos\[0\]: unknown metric "latency\.p42" in "latency\.p42 < 50ms"; metrics are: delivery_ratio, /);
  });

  it('rejects a unit that does not fit the metric', () => {
    expect(error(base.replace('50ms', '50MB')).message).toContain('slos[0]: unit "MB" does not fit latency.p99 (measured in ms)');
  });

  it('rejects a malformed SLO', () => {
    expect(error(base.replace('latency.p99 < 50ms', 'latency.p99 is small')).message).toContain('slos[0]: must be "<metric> <op> <number><unit>"');
  });

  it('converts SLO units into the metric unit', () => {
    const text = base.replace('  - latency.p99 < 50ms', '  - latency.p99 < 1.5s\n  - delivery_ratio >= 99.9%\n  - memory.max_rss_mb < 1GB');
    const [s] = parseScenario(text, FILE, {});
    expect(s!.slos.map((x) => [x.metric, x.threshold])).toEqual([
      ['latency.p99', 1500],
      ['delivery.ratio', 0.999],
      ['memory.max_rss_mb', 1024],
    ]);
  });

  it('checks peer indexes against the peers started so far', () => {
    expect(error(withStep('  - kill: { peers: [1, 4] }')).message).toBe(
      'scenarios/x.yaml: steps[1].kill.peers[1]: peer 4 does not exist at this step (4 started, indexes 0-3)',
    );
  });

  it('resolves random peers from the seed, reproducibly, among the right peers', () => {
    const text = withStep('  - kill: { peers: { random: 2 } }\n  - restart: { peers: { random: 2 } }\n  - pause: { peers: all }');
    const [a] = parseScenario(text, FILE, {});
    const [b] = parseScenario(text, FILE, {});
    const kill = a!.steps[1] as { peers: number[]; pick: string };
    expect(kill.pick).toBe('random');
    expect(kill.peers).toHaveLength(2);
    expect(b!.steps[1]).toEqual(kill);
    // restart picks among the peers that are down: exactly the killed ones
    expect((a!.steps[2] as { peers: number[] }).peers).toEqual(kill.peers);
    expect((a!.steps[3] as { peers: number[] }).peers).toEqual([0, 1, 2, 3]);
  });

  it('refuses to pick more random peers than are available', () => {
    expect(error(withStep('  - kill: { peers: { random: 5 } }')).message).toBe(
      'scenarios/x.yaml: steps[1].kill.peers.random: asks for 5 peers but only 4 are up or paused at this step',
    );
  });

  it('parses every step kind, including those for the docker runtime', () => {
    const text = withStep(`  - wait_for: { condition: sessions, timeout: 1.5m }
  - load: { pattern: pairs, pairs: [[0, 1], [2, 3]], rate: 5, duration: 250ms, size: 64, background: true, label: pairs }
  - pause_load
  - resume_load: {}
  - join: { count: 2 }
  - stop: { peers: [5] }
  - restart: { peers: [5] }
  - sleep: { duration: 1s }
  - pause: { peers: [0] }
  - unpause: { peers: [0] }
  - partition: { groups: [[0, 1], [2, 3]] }
  - heal
  - link: { peers: all, delay: 20ms, jitter: 5ms, loss: "2%" }`);
    const [s] = parseScenario(text, FILE, {});
    expect(s!.steps.map((x) => x.kind)).toEqual([
      'start', 'wait_for', 'load', 'pause_load', 'resume_load', 'join', 'stop', 'restart', 'sleep',
      'pause', 'unpause', 'partition', 'heal', 'link',
    ]);
    expect(s!.steps[1]).toMatchObject({ timeoutMs: 90_000 });
    expect(s!.steps[2]).toMatchObject({ pairs: [[0, 1], [2, 3]], background: true, label: 'pairs' });
    expect(s!.steps[13]).toMatchObject({ peers: [0, 1, 2, 3, 4, 5], delayMs: 20, jitterMs: 5, loss: 0.02, bandwidthBps: 0, reset: false, setsShape: true });
  });

  it('reads a link bandwidth and reset; a reset alone keeps the shape', () => {
    const [s] = parseScenario(withStep(`  - link: { peers: [0], bandwidth: 512kbit, reset: true }
  - link: { peers: [1], reset: true }
  - link: { peers: [2], bandwidth: 2.5mbit/s }`), FILE, {});
    expect(s!.steps[1]).toMatchObject({ peers: [0], bandwidthBps: 512_000, reset: true, setsShape: true });
    expect(s!.steps[2]).toMatchObject({ peers: [1], delayMs: 0, reset: true, setsShape: false });
    expect(s!.steps[3]).toMatchObject({ bandwidthBps: 2_500_000, reset: false, setsShape: true });
    expect(error(withStep('  - link: { peers: [0], bandwidth: 10mbps }')).message).toContain(
      'steps[1].link.bandwidth: must be a bandwidth in bits per second (512kbit, 10mbit, 1gbit, or a number of bit/s), got "10mbps"',
    );
    expect(error(withStep('  - link: { peers: [0], reset: yes please }')).message).toContain('steps[1].link.reset: must be true or false');
  });

  it('rejects overlapping partition groups and a pair that sends to itself', () => {
    expect(error(withStep('  - partition: { groups: [[0, 1], [1, 2]] }')).message).toContain('steps[1].partition.groups: peer 1 is in two groups');
    expect(error(withStep('  - load: { pattern: pairs, pairs: [[2, 2]], rate: 1, duration: 1s }')).message).toContain(
      'steps[1].load.pairs[0]: a peer cannot send to itself',
    );
  });

  it('requires the first step to be start', () => {
    expect(error(base.replace('  - start: { count: ${peers} }\n', '')).message).toMatch(/steps\[0\]|random load needs at least 2 peers/);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(error('name: [unclosed\nsteps: []').message).toMatch(/^scenarios\/x\.yaml: line \d+, column \d+: not valid YAML/);
  });
});

describe('overrides and sweeps', () => {
  it('overrides params, seed and peer settings with typed values', () => {
    const [s] = parseScenario(base, FILE, { peers: '6', seed: '9', 'peer.announce_interval': '500ms' });
    expect(s!.params.peers).toBe(6);
    expect(s!.steps[0]).toMatchObject({ count: 6 });
    expect(s!.seed).toBe(9);
    expect(s!.peer.announceIntervalMs).toBe(500);
    expect(s!.overrides).toEqual({ peers: '6', seed: '9', 'peer.announce_interval': '500ms' });
  });

  it('makes one scenario per value of a list', () => {
    const runs = parseScenario(base, FILE, { peers: '5,10,20' });
    expect(runs.map((r) => r.params.peers)).toEqual([5, 10, 20]);
    expect(runs.map((r) => r.sweep)).toEqual([{ peers: 5 }, { peers: 10 }, { peers: 20 }]);
    expect(runs.map((r) => (r.steps[0] as { count: number }).count)).toEqual([5, 10, 20]);
  });

  it('takes the cartesian product of several lists, including lists in the file', () => {
    const text = base.replace('rate: 10', 'rate: [10, 20]');
    const runs = parseScenario(text, FILE, { peers: '2,3', seed: '1,2' });
    expect(runs).toHaveLength(8);
    expect(new Set(runs.map((r) => JSON.stringify(r.sweep))).size).toBe(8);
    expect(runs[0]!.sweep).toEqual({ peers: 2, rate: 10, seed: 1 });
  });

  it('validates each sweep value', () => {
    expect(error(base, { rate: '10,-1' }).message).toBe(
      'scenarios/x.yaml: steps[1].load.rate: must be a positive number of messages per second, got -1',
    );
  });

  it('rejects an unknown --set key and lists what is settable', () => {
    expect(error(base, { name: 'other' }).message).toBe(
      'scenarios/x.yaml: --set name: unknown setting; settable: peers, rate, seed, peer.announce_interval, peer.expire_after, peer.announce_window, peer.max_announcements_per_second, peer.keepalive_interval, peer.handshake_timeout, peer.connections_per_address, peer.idle_session_timeout, peer.gossip_neighbours, peer.fanout, peer.gossip_ttl, peer.digest_interval, peer.args, runtime.peers_per_process, runtime.ready_timeout',
    );
  });
});

describe('runtime section', () => {
  it('is empty (auto) unless the file or --set says, and takes both fields', () => {
    expect(parseScenario(base, FILE)[0]!.runtime).toEqual({});
    const text = base.replace('steps:', 'runtime:\n  peers_per_process: 25\n  ready_timeout: 90s\nsteps:');
    expect(parseScenario(text, FILE)[0]!.runtime).toEqual({ peersPerProcess: 25, readyTimeoutMs: 90_000 });
    expect(parseScenario(base, FILE, { 'runtime.peers_per_process': '10', 'runtime.ready_timeout': '2m' })[0]!.runtime).toEqual({ peersPerProcess: 10, readyTimeoutMs: 120_000 });
  });

  it('refuses a value out of range or an unknown field, naming it', () => {
    expect(error(base, { 'runtime.peers_per_process': '0' }).message).toBe(
      'scenarios/x.yaml: runtime.peers_per_process: must be a whole number of peers from 1 to 1000, or auto, got 0',
    );
    expect(error(base, { 'runtime.ready_timeout': '10ms' }).message).toContain('runtime.ready_timeout: must be at least 1s');
    expect(error(base.replace('steps:', 'runtime:\n  per_process: 2\nsteps:')).message).toContain('runtime');
  });
});

describe('random share of the peers', () => {
  it('picks that share of the peers started so far, rounded, at least one', () => {
    const at = (share: string, peers: number) =>
      (parseScenario(withStep(`  - kill: { peers: { random: "${share}" } }`), FILE, { peers: String(peers) })[0]!.steps[1] as { peers: number[] }).peers.length;
    expect(at('5%', 200)).toBe(10);
    expect(at('5%', 4)).toBe(1);
    expect(error(withStep('  - kill: { peers: { random: "0%" } }')).message).toContain('above 0% and at most 100%');
  });
});

describe('parseDuration', () => {
  it('accepts ms, s, m, h and plain numbers', () => {
    expect([parseDuration('250ms'), parseDuration('2s'), parseDuration('1.5m'), parseDuration('1h'), parseDuration(40), parseDuration('40')]).toEqual([
      250, 2000, 90_000, 3_600_000, 40, 40,
    ]);
  });

  it('rejects negative numbers, unknown units and other types', () => {
    for (const bad of [-1, '5 parsecs', '', 'ms', null, [1]]) expect(() => parseDuration(bad)).toThrow(/must be a duration/);
  });
});

/** A scenario whose random kills and restarts depend on the seed: for repeats and reseeding. */
const REPEAT_TEXT = (extra = '') => `
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

describe('repeat: in a scenario file', () => {
  it('is 1 unless the file says, and a whole number of runs from 1 to 100', () => {
    expect(parseScenario(REPEAT_TEXT(), FILE)[0]!.repeat).toBe(1);
    expect(parseScenario(REPEAT_TEXT('repeat: 5\n'), FILE)[0]!.repeat).toBe(5);
    expect(error(REPEAT_TEXT('repeat: 0\n')).message).toBe('scenarios/x.yaml: repeat: must be a whole number of runs from 1 to 100, got 0');
    expect(error(REPEAT_TEXT('repeat: 2.5\n')).message).toBe('scenarios/x.yaml: repeat: must be a whole number of runs from 1 to 100, got 2.5');
    expect(error(REPEAT_TEXT('repeat: 101\n')).message).toBe('scenarios/x.yaml: repeat: must be a whole number of runs from 1 to 100, got 101');
    expect(error(REPEAT_TEXT('repeat: many\n')).message).toBe('scenarios/x.yaml: repeat: must be a whole number of runs from 1 to 100, got "many"');
  });

  it('is not a --set setting: the message points to --repeat', () => {
    expect(error(REPEAT_TEXT(), { repeat: '3' }).message).toBe('scenarios/x.yaml: --set repeat: the number of runs is not a setting; use --repeat N');
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
    const [scenario] = parseScenario(REPEAT_TEXT('repeat: 3\n'), FILE, { peers: '8' });
    const seeds = [0, 1, 2].map((i) => deriveSeed(scenario!.seed, i));
    const reseeded = seeds.map((seed) => withSeed(scenario!, seed));
    for (const [i, run] of reseeded.entries()) {
      const [direct] = parseScenario(REPEAT_TEXT('repeat: 3\n'), FILE, { peers: '8', seed: String(seeds[i]) });
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
