/**
 * `peerlab lab run SCENARIO.yaml`: loads the scenario (a list value in --set makes a
 * sweep: one run per value), runs each on a fresh runtime — N times with --repeat N,
 * one report for the N — prints where each report went, and for a sweep prints and
 * writes a side-by-side summary.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { formatMetric } from '../metrics/format.js';
import { progressFor } from '../orchestrator/progress.js';
import { runRepeated } from '../orchestrator/repeat.js';
import type { RunOutcome } from '../orchestrator/run.js';
import { LabError } from '../runtimes/errors.js';
import { slowStartLine } from '../report/fleet-markdown.js';
import { createRuntime, isRuntimeName, RUNTIME_NAMES, type Runtime } from '../runtimes/index.js';
import type { SimSettings } from '../runtimes/sim/sim-settings.js';
import { ScenarioError } from '../scenario/errors.js';
import { loadScenario, MAX_REPEAT } from '../scenario/parse.js';
import type { Scenario } from '../scenario/types.js';
import { EXIT, signalExitCode } from './exit-codes.js';
import { collectSet, overridesFrom } from './set-options.js';
import { replayCommand, simSettingsFrom, warnIfBugPlanted, withSimOptions, type SimFlags } from './sim-options.js';
import type { SwarmSettings } from '../runtimes/swarm/swarm-runtime.js';
import { swarmSettingsFrom, withSwarmOptions, type SwarmFlags } from './swarm-options.js';
import { interruptOnSignals } from './signals.js';
import { renderSweepSummary, writeSweepSummary, type SweepRow } from './sweep-summary.js';
import { UsageError } from './usage-error.js';

interface RunFlags extends SimFlags, SwarmFlags {
  runtime: string;
  out: string;
  seed?: string;
  repeat?: string;
  set: string[];
}

/** The `lab run` subcommand. */
export function runCommand(): Command {
  return withSwarmOptions(withSimOptions(new Command('run')))
    .description('run a scenario against real peers, write its report, exit 0 when every SLO is met')
    .argument('<scenario>', 'scenario file (YAML), e.g. scenarios/smoke.yaml')
    .option('--runtime <name>', `where peers run (${RUNTIME_NAMES.join(', ')})`, 'process')
    .option('--out <dir>', 'where reports go: <dir>/<scenario>/<stamp>/', 'reports')
    .option('--seed <n>', 'the run seed (the same as --set seed=N)')
    .option('--repeat <n>', `run it N times (1-${MAX_REPEAT}) on fresh peers, one report with each metric's median and spread; overrides the file's repeat:`)
    .option('--set <key=value>', 'override a param, seed or peer.* setting; a comma list (peers=5,10) makes a sweep; repeatable', collectSet, [])
    .exitOverride()
    .action(async (file: string, flags: RunFlags) => {
      process.exit(await runLab(file, flags));
    });
}

/** Runs `lab run` and returns the exit code (0 pass, 1 SLO missed, 3 lab failure, 64 usage, 130/143 interrupted). */
export async function runLab(file: string, flags: RunFlags): Promise<number> {
  let scenarios: Scenario[];
  let sim: SimSettings;
  let swarm: SwarmSettings;
  try {
    if (!isRuntimeName(flags.runtime)) throw new UsageError(`--runtime ${flags.runtime}: unknown runtime; runtimes: ${RUNTIME_NAMES.join(', ')}`);
    const repeat = flags.repeat === undefined ? undefined : repeatCount(flags.repeat);
    sim = simSettingsFrom(flags);
    swarm = swarmSettingsFrom(flags);
    warnIfBugPlanted(flags.runtime);
    scenarios = (await loadScenario(file, overridesFrom(flags.set, flags.seed))).map((s) => (repeat === undefined ? s : { ...s, repeat }));
  } catch (err) {
    if (err instanceof UsageError || err instanceof ScenarioError) return fail(err.message, EXIT.usage);
    if (err instanceof LabError) return fail(`lab error: ${err.message}`, EXIT.infrastructure);
    throw err;
  }

  let current: Runtime | undefined;
  const interrupt = interruptOnSignals(() => current?.killAllNow(), signalExitCode);
  const rows: SweepRow[] = [];
  const sweepStarted = new Date();
  let exitCode: number = EXIT.ok;
  try {
    for (const [i, scenario] of scenarios.entries()) {
      if (scenarios.length > 1) process.stdout.write(`\n== ${scenario.name} ${i + 1}/${scenarios.length}: ${sweepText(scenario)} ==\n`);
      let outcome: RunOutcome;
      try {
        outcome = await runRepeated(scenario, {
          runtime: async (run) => (current = await createRuntime(flags.runtime, { run, sim, swarm })),
          outDir: flags.out,
          progress: progressFor(process.stdout),
          signal: interrupt.signal,
          onRunStart: ({ index, count, seed }) => {
            if (count > 1) process.stdout.write(`\n-- run ${index + 1}/${count} · seed ${seed} --\n`);
          },
        });
      } catch (err) {
        if (err instanceof ScenarioError) return fail(err.message, EXIT.usage);
        if (err instanceof LabError) return fail(`lab error: ${err.message}`, EXIT.infrastructure);
        throw err;
      } finally {
        // runRepeated closed each runtime after its run; this one only served emergencies.
        current = undefined;
      }
      printOutcome(outcome);
      rows.push({ sweep: scenario.sweep, outcome });
      exitCode = worse(exitCode, exitCodeOf(outcome));
      if (outcome.status === 'interrupted') break;
    }
    if (scenarios.length > 1 && rows.length > 0) {
      const summary = renderSweepSummary(scenarios[0]!.name, rows, process.cwd());
      process.stdout.write(`\n${summary}`);
      const path = await writeSweepSummary(flags.out, scenarios[0]!.name, sweepStarted, summary);
      process.stdout.write(`sweep summary: ${shownPath(path)}\n`);
    }
  } finally {
    interrupt.dispose();
  }
  return exitCode;
}

/** The exit code a run earns. */
function exitCodeOf(outcome: RunOutcome): number {
  if (outcome.writeError) return EXIT.infrastructure;
  switch (outcome.status) {
    case 'pass':
      return EXIT.ok;
    case 'fail':
      return EXIT.sloFailed;
    case 'lab_error':
      return EXIT.infrastructure;
    case 'interrupted':
      return signalExitCode(outcome.error && 'signal' in outcome.error ? String(outcome.error.signal) : 'SIGINT');
  }
}

/** Over a sweep, the code that matters most: an interrupt, then a lab failure, then an SLO miss. */
function worse(a: number, b: number): number {
  const rank = (code: number) => (code >= 128 ? 4 : code === EXIT.infrastructure ? 3 : code === EXIT.sloFailed ? 1 : code === EXIT.ok ? 0 : 2);
  return rank(b) > rank(a) ? b : a;
}

/** `--repeat N`: a whole number of runs, 1..MAX_REPEAT. */
function repeatCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_REPEAT) throw new UsageError(`--repeat: expected a whole number of runs from 1 to ${MAX_REPEAT}, got "${text}"`);
  return n;
}

function printOutcome(outcome: RunOutcome): void {
  const { report } = outcome;
  const m = report.metrics;
  const count = report.repeat.count;
  if (count > 1) {
    process.stdout.write('\n');
    for (const run of report.repeat.runs) {
      const r = run.metrics;
      process.stdout.write(`  run ${run.index} (seed ${run.seed}): ${run.verdict === 'pass' ? 'pass' : 'FAIL'} · ${r.delivery.sent} sent, ${formatMetric(r.delivery.ratio, 'ratio')} delivered · latency p50 ${formatMetric(r.latency.p50, 'ms')} p99 ${formatMetric(r.latency.p99, 'ms')}\n`);
    }
  }
  const status = outcome.status === 'pass' ? 'PASS' : outcome.status === 'fail' ? 'FAIL' : outcome.status === 'lab_error' ? 'LAB ERROR' : 'INTERRUPTED';
  const verdict = count > 1 ? `${status} (SLOs on the median of ${count} runs)` : status;
  const direct = `${m.delivery.sent} sent, ${formatMetric(m.delivery.ratio, 'ratio')} delivered · latency p50 ${formatMetric(m.latency.p50, 'ms')} p99 ${formatMetric(m.latency.p99, 'ms')}`;
  // A gossip-only run sends no direct messages: say what it did send.
  const gossip = m.gossip
    ? `${m.gossip.messages} group messages, ${formatMetric(m.gossip.delivery_ratio, 'ratio')} delivered · to all p50 ${formatMetric(m.gossip.dissemination.p50_ms, 'ms')} p99 ${formatMetric(m.gossip.dissemination.p99_ms, 'ms')}`
    : undefined;
  const traffic = gossip && m.delivery.sent === 0 ? gossip : gossip ? `${direct} · ${gossip}` : direct;
  process.stdout.write(
    `${report.scenario.name}: ${verdict} in ${formatMetric(report.duration_ms, 'ms')} · ${traffic} · max RSS ${formatMetric(m.memory.max_rss_mb, 'mb')}\n`,
  );
  for (const reason of report.verdict_reasons) process.stdout.write(`  - ${reason}\n`);
  printSimulation(outcome);
  const slow = m.fleet && slowStartLine(m.fleet);
  if (slow) process.stdout.write(`  - ${slow}\n`);
  if (outcome.status === 'lab_error' && outcome.error) process.stderr.write(`peerlab: lab error: ${outcome.error.message}\n`);
  if (outcome.files) {
    process.stdout.write(`  report: ${shownPath(outcome.files.dir)}/ (report.html, report.md, report.json, junit.xml, history.jsonl)\n`);
  } else {
    process.stderr.write(`peerlab: cannot write the report: ${outcome.writeError?.message}\n`);
  }
}

/** A simulated run: its seed, virtual and wall time, the crypto rule; for each failed run, the command that replays it exactly. */
function printSimulation(outcome: RunOutcome): void {
  const { report } = outcome;
  const sim = report.simulation;
  if (!sim) return;
  const runs = report.repeat.runs;
  const virtual = runs.reduce((n, r) => n + (r.simulation?.virtual_ms ?? 0), 0);
  const wall = runs.reduce((n, r) => n + (r.simulation?.wall_ms ?? 0), 0);
  const seeds = runs.length > 1 ? `seeds ${runs.map((r) => r.seed).join(', ')}` : `seed ${sim.seed}`;
  process.stdout.write(
    `  simulated: ${seeds} · ${formatMetric(virtual, 'ms')} virtual in ${formatMetric(wall, 'ms')} wall (${wall > 0 ? Math.round(virtual / wall) : '?'}×) · ${sim.peers} peers · crypto ${sim.crypto.rule} (computed up to ${sim.crypto.computed_up_to} peers) · CPU rates ${sim.cpu_model.source}\n`,
  );
  if (outcome.status === 'pass') return;
  for (const run of runs) {
    if ((run.verdict === 'pass' && outcome.status !== 'lab_error') || !run.simulation) continue;
    process.stdout.write(`  reproduce${runs.length > 1 ? ` run ${run.index}` : ''}: ${replayCommand(report.scenario.file, report.scenario.overrides, run.simulation)}\n`);
  }
}

/** A path relative to the working directory when it is inside it, else absolute. */
export function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel;
}

function sweepText(scenario: Scenario): string {
  return Object.entries(scenario.sweep).map(([k, v]) => `${k}=${v}`).join(' ');
}

function fail(message: string, code: number): number {
  process.stderr.write(`peerlab: ${message}\n`);
  return code;
}
