/**
 * `peerlab lab calibrate SCENARIO [--repeat N]`: runs a scenario N times (10 by default)
 * on fresh peers, writes the repeated report like `lab run --repeat N`, and prints each
 * metric's run-to-run variation and the smallest change `lab compare` would catch with
 * 3, 5 and 10 repeats. Given a report.json of repeated runs instead, it runs nothing and
 * calibrates from that report.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { calibrate, NotEnoughRuns } from '../compare/calibrate.js';
import { formatCalibration } from '../compare/format-calibration.js';
import { progressFor } from '../orchestrator/progress.js';
import { runRepeated } from '../orchestrator/repeat.js';
import type { RunOutcome } from '../orchestrator/run.js';
import { loadReport, ReportError } from '../report/load-report.js';
import type { Report } from '../report/types.js';
import { LabError } from '../runtimes/errors.js';
import { createRuntime, isRuntimeName, RUNTIME_NAMES, type Runtime } from '../runtimes/index.js';
import { ScenarioError } from '../scenario/errors.js';
import { loadScenario, MAX_REPEAT } from '../scenario/parse.js';
import type { Scenario } from '../scenario/types.js';
import { fractionOption } from './compare-command.js';
import { EXIT, signalExitCode } from './exit-codes.js';
import { collectSet, overridesFrom } from './set-options.js';
import { interruptOnSignals } from './signals.js';
import { UsageError } from './usage-error.js';

interface CalibrateFlags {
  repeat: string;
  runtime: string;
  out: string;
  seed?: string;
  set: string[];
  minChange: number;
  alpha: number;
  markdown?: boolean;
}

/** The `lab calibrate` subcommand. */
export function calibrateCommand(): Command {
  return new Command('calibrate')
    .description("run a scenario N times and print each metric's run-to-run variation and the smallest change `lab compare` catches at 3, 5 and 10 repeats")
    .argument('<scenario>', 'scenario file (YAML), or a report.json of repeated runs to calibrate from without running')
    .option('--repeat <n>', `runs to measure the spread over (3-${MAX_REPEAT})`, '10')
    .option('--runtime <name>', `where peers run (${RUNTIME_NAMES.join(', ')})`, 'process')
    .option('--out <dir>', 'where the report goes: <dir>/<scenario>/<stamp>/', 'reports')
    .option('--seed <n>', 'the run seed (the same as --set seed=N)')
    .option('--set <key=value>', 'override a param, seed or peer.* setting (one value: calibrate does not sweep); repeatable', collectSet, [])
    .option('--min-change <fraction>', "compare's practical threshold to size for", fractionOption('--min-change', '0.05 (5 %)'), 0.05)
    .option('--alpha <p>', "compare's family-wise false-alarm rate to size for", fractionOption('--alpha', '0.05', 0.5, 0.0001), 0.05)
    .option('--markdown', 'print Markdown instead of a text table')
    .exitOverride()
    .action(async (target: string, flags: CalibrateFlags) => {
      process.exit(await calibrateLab(target, flags));
    });
}

/** Runs `lab calibrate`; returns 0 (calibrated), 3 (the lab failed), 64 (usage) or 130/143 (interrupted). */
export async function calibrateLab(target: string, flags: CalibrateFlags): Promise<number> {
  let report: Report;
  try {
    if (target.endsWith('.json')) {
      report = await loadReport(target);
    } else {
      const outcome = await runForCalibration(target, flags);
      if (typeof outcome === 'number') return outcome;
      report = outcome.report;
    }
    const calibration = calibrate(report, { minChange: flags.minChange, alpha: flags.alpha });
    process.stdout.write(formatCalibration(calibration, flags.markdown ? 'markdown' : 'text'));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ScenarioError || err instanceof ReportError || err instanceof NotEnoughRuns) return fail(err.message, EXIT.usage);
    if (err instanceof LabError) return fail(`lab error: ${err.message}`, EXIT.infrastructure);
    throw err;
  }
}

/** Runs the scenario --repeat times and writes its report; an exit code when it cannot be calibrated. */
async function runForCalibration(file: string, flags: CalibrateFlags): Promise<RunOutcome | number> {
  if (!isRuntimeName(flags.runtime)) throw new UsageError(`--runtime ${flags.runtime}: unknown runtime; runtimes: ${RUNTIME_NAMES.join(', ')}`);
  const repeat = Number(flags.repeat);
  if (!/^\d+$/.test(flags.repeat) || repeat < 3 || repeat > MAX_REPEAT) {
    throw new UsageError(`--repeat: calibrate needs a whole number of runs from 3 to ${MAX_REPEAT} to measure their spread (10 or more recommended), got "${flags.repeat}"`);
  }
  const scenarios: Scenario[] = await loadScenario(file, overridesFrom(flags.set, flags.seed));
  if (scenarios.length > 1) throw new UsageError(`calibrate runs one scenario, and the --set lists make a sweep of ${scenarios.length}: give one value each`);
  let current: Runtime | undefined;
  const interrupt = interruptOnSignals(() => current?.killAllNow(), signalExitCode);
  let outcome: RunOutcome;
  try {
    outcome = await runRepeated({ ...scenarios[0]!, repeat }, {
      runtime: async (run) => (current = await createRuntime(flags.runtime, { run })),
      outDir: flags.out,
      progress: progressFor(process.stdout),
      signal: interrupt.signal,
      onRunStart: ({ index, count, seed }) => process.stdout.write(`\n-- run ${index + 1}/${count} · seed ${seed} --\n`),
    });
  } finally {
    current = undefined;
    interrupt.dispose();
  }
  if (outcome.files) process.stdout.write(`\nreport: ${shownPath(outcome.files.dir)}/\n\n`);
  else process.stderr.write(`peerlab: cannot write the report: ${outcome.writeError?.message}\n`);
  if (outcome.status === 'interrupted') return signalExitCode(outcome.error && 'signal' in outcome.error ? String(outcome.error.signal) : 'SIGINT');
  if (outcome.status === 'lab_error') return fail(`lab error: ${outcome.error?.message ?? 'a run failed'}; not calibrated`, EXIT.infrastructure);
  return outcome;
}

/** A path relative to the working directory when it is inside it, else absolute. */
function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel;
}

function fail(message: string, code: number): number {
  process.stderr.write(`peerlab: ${message}\n`);
  return code;
}
