/**
 * Repeated runs: a scenario run N times, each on a fresh runtime (new peers, new data
 * dirs) with its own seed, deriveSeed(run seed, i), and one report for all of them —
 * every run's metrics and verdict, each metric's median and its confidence interval,
 * SLOs checked on the medians. `lab run --repeat N` and `lab calibrate` both call this.
 */
import { baselineOf } from '../baseline/baseline.js';
import { buildReport } from '../report/build-report.js';
import { writeReport } from '../report/write-report.js';
import type { Runtime } from '../runtimes/runtime.js';
import { withSeed } from '../scenario/parse.js';
import { deriveSeed } from '../scenario/random.js';
import type { Scenario } from '../scenario/types.js';
import { executeRun, type RunOptions, type RunOutcome, type RunRecord, type RunStatus } from './run.js';
import { assertRuntimeSupports } from './supported.js';

export interface RepeatOptions extends Omit<RunOptions, 'runtime'> {
  /** How many runs; the scenario's own `repeat` (1 unless the file says) by default. */
  repeat?: number;
  /**
   * Makes the runtime for one run, given the run as it will go (its seed is run i's). Each
   * run gets a fresh one, so no peer, data dir or network outlives its run.
   */
  runtime: (run: Scenario) => Promise<Runtime>;
  /** The caller owns the runtimes and closes them; by default each is closed after its run. */
  keepRuntime?: boolean;
  /** Told as each run begins (the CLI prints a header line). */
  onRunStart?: (run: { index: number; count: number; seed: number }) => void;
  /** Write the report folder (default true); `lab calibrate` may only want the report. */
  write?: boolean;
}

/**
 * Runs `scenario` N times and writes one report for all of them. Stops early on a lab
 * error or an interrupt (the report then holds the runs done and says so). A missed
 * SLO in one run does not stop the others: the aggregate decides.
 */
export async function runRepeated(scenario: Scenario, options: RepeatOptions): Promise<RunOutcome> {
  const count = options.repeat ?? scenario.repeat;
  const records: RunRecord[] = [];
  const notes: string[] = [];
  let runtimeName: string | undefined;
  for (let index = 0; index < count; index++) {
    const run = withSeed(scenario, deriveSeed(scenario.seed, index));
    options.onRunStart?.({ index, count, seed: run.seed });
    let runtime: Runtime;
    try {
      runtime = await options.runtime(run);
    } catch (err) {
      // Nothing ran yet: nothing to report. Otherwise the runs done still are.
      if (records.length === 0) throw err;
      notes.push(`stopped after ${index} of ${count} runs: no runtime for run ${index}: ${err instanceof Error ? err.message : String(err)}`);
      break;
    }
    runtimeName ??= runtime.name;
    let record: RunRecord;
    try {
      // Refused before anything starts, so a step the runtime cannot do never costs a run.
      if (index === 0) assertRuntimeSupports(run, runtime);
      record = await executeRun(run, runtime, { ...options, index });
    } finally {
      if (!options.keepRuntime) await runtime.close();
    }
    records.push(record);
    if (record.status === 'lab_error' || record.status === 'interrupted') {
      if (index < count - 1) notes.push(`stopped after ${index + 1} of ${count} runs: run ${index} ${record.status === 'interrupted' ? 'was interrupted' : `hit a lab error: ${record.error?.message ?? 'unknown'}`}`);
      break;
    }
  }

  const first = records[0]!;
  const last = records.at(-1)!;
  const report = buildReport({
    scenario,
    runtime: runtimeName ?? 'unknown',
    seed: scenario.seed,
    runs: records.map((r) => ({
      seed: r.seed,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      events: r.events,
      metrics: r.metrics,
      sloResults: r.slos,
      baseline: baselineOf(r.baseline.before, r.baseline.after),
      ...(r.simulation ? { simulation: r.simulation } : {}),
    })),
    // Every round trip of every window pooled: the steadiest echo percentiles there are.
    baseline: baselineOf(first.baseline.before, last.baseline.after, records.flatMap((r) => [r.baseline.before, r.baseline.after])),
    notes,
  });
  const outcome: RunOutcome = { status: overallStatus(records, report.verdict), report, runs: records.map((r) => r.status) };
  const stopper = records.find((r) => r.status === 'interrupted' || r.status === 'lab_error') ?? records.find((r) => r.error);
  if (stopper?.error) outcome.error = stopper.error;
  if (options.write ?? true) {
    try {
      outcome.files = await writeReport(options.outDir, report, records.map((r) => r.events));
    } catch (err) {
      outcome.writeError = err instanceof Error ? err : new Error(String(err));
    }
  }
  return outcome;
}

/** Runs `scenario` once on `options.runtime` (which the caller closes) and writes its report. */
export function runScenario(scenario: Scenario, options: RunOptions): Promise<RunOutcome> {
  const { runtime, ...rest } = options;
  return runRepeated(scenario, { ...rest, repeat: 1, runtime: () => Promise.resolve(runtime), keepRuntime: true });
}

/** An interrupt outranks a lab error, which outranks the aggregate's verdict. */
function overallStatus(records: readonly RunRecord[], verdict: 'pass' | 'fail'): RunStatus {
  if (records.some((r) => r.status === 'interrupted')) return 'interrupted';
  if (records.some((r) => r.status === 'lab_error')) return 'lab_error';
  return verdict;
}
