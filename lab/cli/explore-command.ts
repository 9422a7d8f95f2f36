/**
 * `peerlab lab explore SCENARIO --runs N [--faults kill,restart,pause,partition,loss]
 * [--seed N] [--out DIR]`: random fault schedules on the simulator, invariants checked
 * after each run; a violation is written out as two scenario files (as found, and
 * shrunk) with the commands that rerun them. Exit 0: none found; 1: one found; 64: usage.
 */
import { Command } from 'commander';
import { explore, type ExploreResult } from '../explore/explore.js';
import { FAULT_KINDS, describeFaults, parseFaultKinds, type ExploreFaultKind } from '../explore/faults.js';
import { formatCpuRates } from '../runtimes/sim/cpu-model.js';
import { LabError } from '../runtimes/errors.js';
import type { SimSettings } from '../runtimes/sim/sim-settings.js';
import { ScenarioError } from '../scenario/errors.js';
import { loadScenario } from '../scenario/parse.js';
import type { Scenario } from '../scenario/types.js';
import { EXIT } from './exit-codes.js';
import { shownPath } from './run-command.js';
import { simSettingsFrom, warnIfBugPlanted, withSimOptions, type SimFlags } from './sim-options.js';
import { UsageError } from './usage-error.js';

/** The most runs one exploration may ask for. */
export const MAX_RUNS = 100_000;

interface ExploreFlags extends SimFlags {
  runs: string;
  faults: string;
  seed?: string;
  out: string;
}

/** The `lab explore` subcommand. */
export function exploreCommand(): Command {
  return withSimOptions(new Command('explore'))
    .description('run a scenario on the simulator under random fault schedules, check invariants after each run; write a violation out as scenario files (exit 1)')
    .argument('<scenario>', 'scenario file (YAML) with a load step, e.g. scenarios/smoke.yaml')
    .option('--runs <n>', `how many runs, each with its own seed and fault schedule (1-${MAX_RUNS})`, '100')
    .option('--faults <list>', `the faults to draw from (${FAULT_KINDS.join(', ')})`, FAULT_KINDS.join(','))
    .option('--seed <n>', "the explore seed: run i's seed is derived from it (default: the scenario's seed)")
    .option('--out <dir>', 'where a violation\'s scenario files go: <dir>/<scenario>-explore/', 'reports')
    .exitOverride()
    .action(async (file: string, flags: ExploreFlags) => {
      process.exit(await runExplore(file, flags));
    });
}

/** Runs `lab explore` and returns the exit code. */
export async function runExplore(file: string, flags: ExploreFlags): Promise<number> {
  let scenario: Scenario;
  let runs: number;
  let faults: ExploreFaultKind[];
  let sim: SimSettings;
  let seed: number;
  try {
    runs = wholeNumber('--runs', flags.runs, 1, MAX_RUNS);
    faults = faultKinds(flags.faults);
    sim = simSettingsFrom(flags);
    warnIfBugPlanted('sim');
    const scenarios = await loadScenario(file);
    if (scenarios.length !== 1) throw new UsageError(`${file}: a sweep (${scenarios.length} runs from list params) cannot be explored; give each param one value`);
    scenario = scenarios[0]!;
    seed = flags.seed === undefined ? scenario.seed : wholeNumber('--seed', flags.seed, 0, 2 ** 32 - 1);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ScenarioError) return fail(err.message, EXIT.usage);
    if (err instanceof LabError) return fail(`lab error: ${err.message}`, EXIT.infrastructure);
    throw err;
  }
  const began = performance.now();
  let result: ExploreResult;
  try {
    process.stdout.write(`explore ${scenario.name}: ${runs} runs on the simulator · seed ${seed} · faults ${faults.join(',')}\n`);
    result = await explore({ scenario, runs, faults, seed, outDir: flags.out, sim, log: (line) => process.stdout.write(`${line}\n`) });
  } catch (err) {
    if (err instanceof ScenarioError) return fail(err.message, EXIT.usage);
    if (err instanceof LabError) return fail(`lab error: ${err.message}`, EXIT.infrastructure);
    throw err;
  }
  const minutes = (performance.now() - began) / 60_000;
  const pace = `${result.runs} runs in ${(minutes * 60).toFixed(1)} s (${Math.round(result.runs / minutes)} runs/min)`;
  const found = result.found;
  if (!found) {
    process.stdout.write(`explore ${scenario.name}: no violation · ${pace}\n`);
    return EXIT.ok;
  }
  const replay = `--runtime sim --sim-crypto-up-to ${result.sim.computedCryptoUpTo} --sim-cpu ${formatCpuRates(result.sim.cpuRates)}`;
  const lines = [
    `explore ${scenario.name}: VIOLATION of ${found.violation.invariant} in run ${found.run + 1} (seed ${found.seed}) · ${pace}`,
    `  evidence: ${found.violation.evidence}`,
    `  schedule: ${describeFaults(found.faults)}`,
    `  shrunk (${found.shrunk.tries} reruns): ${describeFaults(found.shrunk.faults)}`,
    `  shrunk evidence: ${found.shrunk.violation.evidence}`,
    `  found:  ${shownPath(found.files.found)}`,
    `  shrunk: ${shownPath(found.files.shrunk)}`,
    `  rerun found:  peerlab lab run ${shownPath(found.files.found)} ${replay}`,
    `  rerun shrunk: peerlab lab run ${shownPath(found.files.shrunk)} ${replay}`,
    `  (either also runs with --runtime process or --runtime docker)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.sloFailed;
}

function faultKinds(text: string): ExploreFaultKind[] {
  try {
    return parseFaultKinds(text);
  } catch (err) {
    throw new UsageError(`--faults ${text}: ${(err as Error).message}`);
  }
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${flag}: expected a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

function fail(message: string, code: number): number {
  process.stderr.write(`peerlab: ${message}\n`);
  return code;
}
