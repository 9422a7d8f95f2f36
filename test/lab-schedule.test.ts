/**
 * scenarios/churn.yaml against real peer processes, run twice with one seed (short: 4
 * peers, 10 msg/s, peers down 1 s; 8 s between a restart and the next fault, so a
 * restart slowed by a busy machine — 5 s seen on a shared 2-core box — still ends
 * before the next fault is due). Faults keep to their schedule: both runs hit the same
 * peers, each fault within 50 ms of when it was due and of the other run's, and the load
 * plans the same arrivals. Each run kills and restarts peers under load, delivers every
 * message exactly once, and sends what its background load planned after the last fault.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FaultEvent, HistoryEvent, SendEvent, StepEvent } from '../lab/metrics/events.js';
import { readRun, reportDirs, runCli, tempDir, type CliResult, type WrittenRun } from './support/lab-cli.js';

const CHURN = ['--set', 'peers=4', '--set', 'rate=10', '--set', 'down=1s', '--set', 'gap=8s', '--set', 'duration=30s', '--set', 'p50=5s', '--seed', '99'];
/** How far a fault may be from its schedule, and from the same fault in the other run. */
const TOLERANCE_MS = 50;

interface ChurnRun {
  result: CliResult;
  run: WrittenRun;
}

async function churn(): Promise<ChurnRun> {
  await using out = await tempDir('peerlab-churn-');
  const result = await runCli(['lab', 'run', 'scenarios/churn.yaml', '--out', out.path, ...CHURN]);
  const [dir] = await reportDirs(out.path, 'churn');
  return { result, run: await readRun(dir!) };
}

/** When the load was due (the schedule's anchor after discovery): times below are offsets from it. */
function loadBegin(history: readonly HistoryEvent[]): number {
  const begin = history.find((e): e is StepEvent => e.type === 'step' && e.name === 'load' && e.phase === 'begin');
  return begin!.scheduledT!;
}

const faultsOf = (history: readonly HistoryEvent[]) => history.filter((e): e is FaultEvent => e.type === 'fault');
const sendsOf = (history: readonly HistoryEvent[]) => history.filter((e): e is SendEvent => e.type === 'send');

describe('lab run scenarios/churn.yaml, twice with one seed', () => {
  const runs: ChurnRun[] = [];
  beforeAll(async () => {
    runs.push(await churn(), await churn());
  }, 300_000);

  it('kills and restarts peers under load and still delivers every message exactly once', () => {
    for (const { result, run } of runs) {
      const m = run.report.metrics;
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      expect(run.report.verdict).toBe('pass');
      const faults = m.timeline.faults.map((f) => `${f.fault}:${f.mechanism}`);
      expect(faults).toEqual(expect.arrayContaining(['kill:SIGKILL', 'stop:SIGTERM', 'restart:same data dir, new process']));
      const exits = run.history.filter((e): e is Extract<HistoryEvent, { type: 'lifecycle' }> => e.type === 'lifecycle' && e.event === 'exited');
      expect(exits.map((e) => (e.detail as { signal: string | null }).signal)).toContain('SIGKILL');
      expect(m.delivery.ratio).toBe(1);
      expect(m.delivery.duplicates).toBe(0);
      // Messages to peers that were down (the load sends to them: their outbox must retry) all arrived.
      const restarted = new Set(m.timeline.faults.filter((f) => f.fault === 'restart').flatMap((f) => f.peers));
      const sends = sendsOf(run.history);
      const delivered = new Set(run.history.flatMap((e) => (e.type === 'deliver' ? [e.id] : [])));
      const toRestarted = sends.filter((s) => restarted.has(s.to));
      expect(toRestarted.length).toBeGreaterThan(0);
      expect(toRestarted.filter((s) => !delivered.has(s.id))).toEqual([]);
      // A restarted peer keeps its identity.
      for (const peer of restarted) {
        const ids = new Set(run.history.flatMap((e) => (e.type === 'lifecycle' && e.peer === peer && e.event === 'ready' ? [(e.detail as { id: string }).id] : [])));
        expect(ids.size, peer).toBe(1);
      }
    }
  });

  it('hits the same peers, each fault within 50 ms of its schedule and of the other run', () => {
    const [a, b] = runs.map(({ run }) => ({ faults: faultsOf(run.history), begin: loadBegin(run.history) }));
    expect(a!.faults.map((f) => `${f.fault} ${f.peers.join(',')}`)).toEqual(b!.faults.map((f) => `${f.fault} ${f.peers.join(',')}`));
    expect(a!.faults.map((f) => f.fault)).toEqual(['kill', 'restart', 'kill', 'restart', 'stop', 'restart']);
    for (const { faults } of [a!, b!]) {
      for (const f of faults) expect(f.t - f.scheduledT!, `${f.fault} ${f.peers.join(',')} late`).toBeLessThan(TOLERANCE_MS);
    }
    // Offsets from the load's begin (after discovery, which takes as long as it takes).
    const offsets = (x: typeof a) => x!.faults.map((f) => f.t - x!.begin);
    const pairs = offsets(a).map((t, i) => Math.abs(t - offsets(b)[i]!));
    expect(Math.max(...pairs)).toBeLessThan(TOLERANCE_MS);
    // And at the offsets the scenario says: 8 s, +1 s, +8 s, +1 s, +8 s, +1 s.
    expect(a!.faults.map((f) => Math.round(f.scheduledT! - a!.begin))).toEqual([8_000, 9_000, 17_000, 18_000, 26_000, 27_000]);
  });

  it('plans the same arrivals in both runs: who sends to whom, when', () => {
    const schedule = (run: WrittenRun) => {
      const begin = loadBegin(run.history);
      return new Map(sendsOf(run.history).map((s) => [(s.scheduledT - begin).toFixed(1), `${s.from}>${s.to}`]));
    };
    const [a, b] = runs.map(({ run }) => schedule(run));
    // A sender that is down skips its arrival; where both runs sent, the pick is the same.
    const both = [...a!.keys()].filter((k) => b!.has(k));
    expect(both.length).toBeGreaterThan(0.8 * Math.max(a!.size, b!.size));
    expect(both.filter((k) => a!.get(k) !== b!.get(k))).toEqual([]);
  });

  it('runs the background load to its end, after the last fault, and says what it skipped', () => {
    for (const { run } of runs) {
      const [step] = run.report.metrics.per_step;
      expect(step).toMatchObject({ label: 'load under churn', planned: 300, cut: 0 });
      const end = run.history.find((e): e is StepEvent => e.type === 'step' && e.name === 'load' && e.phase === 'end')!;
      const tally = end.detail as { scheduled: number; attempted: number; skipped: Record<string, number> };
      const skipped = Object.values(tally.skipped).reduce((a, b) => a + b, 0);
      expect(tally.attempted + skipped).toBe(300);
      const lastFault = faultsOf(run.history).at(-1)!;
      const begin = loadBegin(run.history);
      expect(sendsOf(run.history).some((s) => s.scheduledT - begin > 29_000 && s.scheduledT > lastFault.t)).toBe(true);
      expect(run.markdown).not.toContain('was cut');
    }
  });
});
