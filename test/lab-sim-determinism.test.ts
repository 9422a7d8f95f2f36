/**
 * `--runtime sim` is deterministic: one scenario, one seed and one set of CPU rates give
 * a byte-identical history.jsonl and the same report metrics (wall-clock fields aside).
 * The scenario has every kind of fault, background load and a failing SLO, so the run
 * prints the one command that reproduces it; that command is what the second run runs.
 */
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readRun, reportDirs, runCli, tempDir, writeScenario } from './support/lab-cli.js';

const SCENARIO = `name: simdet
seed: 99
peer:
  announce_interval: 300ms
  expire_after: 2s
  keepalive_interval: 1s
steps:
  - start: { count: 6 }
  - wait_for: { condition: discovered, timeout: 10s }
  - load: { pattern: random, rate: 20, duration: 8s, size: 64, background: true, label: background }
  - kill: { peers: { random: 1 } }
  - sleep: { duration: 1s }
  - restart: { peers: { random: 1 } }
  - pause: { peers: [2] }
  - sleep: { duration: 500ms }
  - unpause: { peers: [2] }
  - partition: { groups: [[0, 1, 2], [3, 4, 5]] }
  - sleep: { duration: 2s }
  - heal: {}
  - link: { peers: all, delay: 5ms, jitter: 2ms, loss: 2% }
  - wait_for: { condition: delivered, timeout: 30s }
slos:
  - delivery_ratio == 1
  - latency.p50 < 0.001ms
`;

const RATES = 'sign=15000,verify=6000,x25519=12000,aead_mb=300';

describe('lab run --runtime sim: determinism', () => {
  it('the same seed and rates give a byte-identical history and the same metrics; a failing run prints the command that reproduces it', async () => {
    await using dir = await tempDir('peerlab-simdet-');
    const file = await writeScenario(dir.path, 'simdet', SCENARIO);
    const first = await runCli(['lab', 'run', file, '--runtime', 'sim', '--sim-cpu', RATES, '--out', join(dir.path, 'a')]);
    expect(first.code, first.stdout + first.stderr).toBe(1); // the latency SLO fails on purpose
    expect(first.stdout).toMatch(/simulated: seed 99 /);
    const reproduce = /reproduce: peerlab (lab run .*)$/m.exec(first.stdout)?.[1];
    expect(reproduce, first.stdout).toBeDefined();
    expect(reproduce).toContain('--seed 99');
    const second = await runCli([...reproduce!.split(' '), '--out', join(dir.path, 'b')]);
    expect(second.code, second.stdout + second.stderr).toBe(1);

    const [a, b] = (await Promise.all(['a', 'b'].map(async (sub) => (await reportDirs(join(dir.path, sub), 'simdet'))[0]!))) as [string, string];
    const [historyA, historyB] = await Promise.all([a, b].map((d) => readFile(join(d, 'history.jsonl'), 'utf8')));
    // Every fault happened, and messages flowed across them.
    for (const kind of ['"kill"', '"restart"', '"pause"', '"partition"', '"heal"', '"link"', '"deliver"']) expect(historyA).toContain(kind);
    expect(historyB).toBe(historyA);
    const [runA, runB] = await Promise.all([readRun(a), readRun(b)]);
    expect(runA.report.metrics.delivery.ratio).toBe(1);
    expect(runB.report.metrics).toEqual(runA.report.metrics);
    const { wall_ms: _wa, speedup: _sa, ...simA } = runA.report.simulation!;
    const { wall_ms: _wb, speedup: _sb, ...simB } = runB.report.simulation!;
    expect(simB).toEqual(simA);
    expect(simA.simulated).toBe(true);
    expect(runA.markdown).toMatch(/simulated/i);
  }, 600_000);
});
