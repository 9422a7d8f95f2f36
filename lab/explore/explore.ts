/**
 * `lab explore`: runs a scenario on the simulator under random fault schedules, one per
 * seed drawn from the explore seed, and checks the invariants after each run. The first
 * violation is written out twice — the schedule that found it, and one shrunk by delta
 * debugging — as scenario files `lab run` reruns on any runtime.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { executeRun, type RunRecord } from '../orchestrator/run.js';
import { measureCpuRates } from '../runtimes/sim/cpu-model.js';
import { DEFAULT_COMPUTED_CRYPTO_UP_TO, SimRuntime } from '../runtimes/sim/sim-runtime.js';
import { simOptionsFor, type SimSettings } from '../runtimes/sim/sim-settings.js';
import { ScenarioError } from '../scenario/errors.js';
import { parseScenario } from '../scenario/parse.js';
import { deriveSeed, seededRandom } from '../scenario/random.js';
import type { Scenario } from '../scenario/types.js';
import { exploredScenarioText } from './explored-file.js';
import { faultWindow } from './fault-window.js';
import { describeFaults, drawFaults, type ExploreFaultKind, type Fault, type FaultWindow } from './faults.js';
import { checkInvariants, type Violation } from './invariants.js';
import { shrinkFaults } from './shrink.js';

/** Reruns shrinking may take at most. */
export const SHRINK_BUDGET = 40;

export interface ExploreOptions {
  /** The scenario as loaded (one: explore does not sweep). */
  scenario: Scenario;
  runs: number;
  faults: readonly ExploreFaultKind[];
  /** Run i's seed is deriveSeed(seed, i): its fault schedule, its load and its network. */
  seed: number;
  /** The files go to `<outDir>/<scenario>-explore/`. */
  outDir: string;
  sim: SimSettings;
  /** A line per run, and what shrinking does. */
  log: (line: string) => void;
}

/** A run that violated an invariant, and the files that reproduce it. */
export interface Found {
  run: number;
  seed: number;
  violation: Violation;
  faults: Fault[];
  shrunk: { faults: Fault[]; violation: Violation; tries: number };
  files: { found: string; shrunk: string };
}

export interface ExploreResult {
  runs: number;
  found?: Found;
  /** The simulator settings every run used (CPU rates fixed once): what a rerun needs to replay exactly. */
  sim: Required<SimSettings>;
}

/** Runs the exploration; stops at the first violation, which it shrinks and writes out. */
export async function explore(options: ExploreOptions): Promise<ExploreResult> {
  const { scenario, log } = options;
  const window = faultWindow(scenario);
  // One set of rates for every run: a run replays exactly only with the rates it ran with.
  const sim = { computedCryptoUpTo: options.sim.computedCryptoUpTo ?? DEFAULT_COMPUTED_CRYPTO_UP_TO, cpuRates: options.sim.cpuRates ?? measureCpuRates() };
  const dir = join(options.outDir, `${scenario.name}-explore`);
  for (let run = 0; run < options.runs; run++) {
    const seed = deriveSeed(options.seed, run);
    const faults = drawFaults(seededRandom(seed), options.faults, window);
    const trial = await trySchedule(scenario, window, faults, seed, sim, join(dir, `seed-${seed}.yaml`));
    const violation = checkInvariants(trial.record);
    log(`run ${run + 1}/${options.runs} · seed ${seed} · ${describeFaults(faults)} · ${violation ? `VIOLATION ${violation.invariant}` : 'ok'}`);
    if (!violation) continue;

    log(`shrinking (up to ${SHRINK_BUDGET} reruns)…`);
    let last = violation;
    const shrunk = await shrinkFaults(faults, async (candidate) => {
      const again = checkInvariants((await trySchedule(scenario, window, candidate, seed, sim, join(dir, `seed-${seed}-shrunk.yaml`))).record);
      if (again?.invariant !== violation.invariant) return false;
      last = again;
      return true;
    }, SHRINK_BUDGET);
    await mkdir(dir, { recursive: true });
    const files = { found: join(dir, `seed-${seed}.yaml`), shrunk: join(dir, `seed-${seed}-shrunk.yaml`) };
    await writeFile(files.found, fileText(scenario, window, faults, seed, `lab explore: run ${run + 1} (seed ${seed}) violated ${violation.invariant}: ${violation.evidence}`));
    await writeFile(files.shrunk, fileText(scenario, window, shrunk.faults, seed, `lab explore: run ${run + 1} (seed ${seed}), shrunk from ${faults.length} to ${shrunk.faults.length} faults, violates ${last.invariant}: ${last.evidence}`));
    return { runs: run + 1, found: { run, seed, violation, faults, shrunk: { faults: shrunk.faults, violation: last, tries: shrunk.tries }, files }, sim };
  }
  return { runs: options.runs, sim };
}

/** One run of `scenario` with `faults` inserted, on a fresh simulator. */
async function trySchedule(scenario: Scenario, window: FaultWindow, faults: readonly Fault[], seed: number, sim: Required<SimSettings>, path: string): Promise<{ run: Scenario; record: RunRecord }> {
  const text = fileText(scenario, window, faults, seed, 'lab explore');
  const [run] = parseScenario(text, path);
  if (!run) throw new ScenarioError(path, '', 'the explored scenario has no run');
  const runtime = await SimRuntime.create(simOptionsFor(run, sim));
  try {
    return { run, record: await executeRun(run, runtime, { measureBaseline: false }) };
  } finally {
    await runtime.close();
  }
}

function fileText(scenario: Scenario, window: FaultWindow, faults: readonly Fault[], seed: number, note: string): string {
  return exploredScenarioText({ base: scenario, window, faults, seed, note: `${note}\nFaults: ${describeFaults(faults)}.` });
}
