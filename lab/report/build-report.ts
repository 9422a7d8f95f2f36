import { unmeasuredBaseline } from '../baseline/baseline.js';
import { computeMetrics } from '../metrics/collector.js';
import type { HistoryEvent } from '../metrics/events.js';
import type { Metrics } from '../metrics/types.js';
import { evaluateSlos, type SloResult } from '../scenario/slo.js';
import type { Scenario } from '../scenario/types.js';
import { median } from '../stats/index.js';
import { aggregateByPath, medianMetrics } from './aggregate.js';
import { connectsOnDiscovery, settingsInForce } from '../runtimes/settings-in-force.js';
import { collectEnvironment } from './environment.js';
import { gossipModel } from './gossip-model.js';
import type { SimulationReport } from '../runtimes/runtime.js';
import { SCHEMA_VERSION, type Baseline, type Environment, type Report, type RunSummary } from './types.js';

/** One run of the report. */
export interface RunInput {
  /** Defaults to the report's seed (run 0). */
  seed?: number;
  startedAt: Date | string;
  finishedAt: Date | string;
  events: readonly HistoryEvent[];
  /** Computed from `events` when not given. */
  metrics?: Metrics;
  /** Evaluated from the scenario's SLOs when not given. */
  sloResults?: SloResult[];
  /** The machine around this run; "not measured" when not given (reports built without a run). */
  baseline?: Baseline;
  /** `--runtime sim`: how the simulator made this run. */
  simulation?: SimulationReport;
}

export interface BuildReportInput {
  scenario: Scenario;
  runtime: string;
  /** The run seed; defaults to the scenario's. */
  seed?: number;
  /** Every run, in order (at least one). */
  runs: readonly RunInput[];
  /** Of the whole report; by default from the runs' own (see combineBaselines). */
  baseline?: Baseline;
  /** More reasons for a fail verdict that no run's metrics show (a repeat stopped early). */
  notes?: readonly string[];
  /** Collected from this process when not given (tests pass a fixed one). */
  environment?: Environment;
}

/**
 * Assembles report.json's content: the scenario as run, the environment, every run with
 * its own verdict, and the aggregate — metrics as medians across runs, SLOs checked on
 * those medians, and the verdict that gates CI.
 */
export function buildReport(input: BuildReportInput): Report {
  if (input.runs.length === 0) throw new RangeError('buildReport: no runs');
  const { scenario } = input;
  const seed = input.seed ?? scenario.seed;
  const runs = input.runs.map((run, index) => summarize(run, index, seed, scenario));
  const count = runs.length;
  const metrics = medianMetrics(runs.map((r) => r.metrics));
  const slos = count === 1 ? runs[0]!.slos : evaluateSlos(scenario.slos, metrics);
  const reasons = [
    ...runs.flatMap((r) => failedSteps(r.metrics).map((why) => (count === 1 ? why : `run ${r.index}: ${why}`))),
    ...slos.filter((s) => !s.pass).map((s) => (count === 1 ? `SLO not met: ${s.message}` : `SLO not met on the median of ${count} runs: ${s.message}`)),
    ...(input.notes ?? []),
  ];
  const environment = input.environment ?? collectEnvironment();
  const startedAt = runs[0]!.started_at;
  const finishedAt = new Date(input.runs.at(-1)!.finishedAt).toISOString();
  const peerSettings = settingsInForce(scenario.peer, connectsOnDiscovery(scenario));
  const model = metrics.gossip ? gossipModel(peerSettings, metrics.gossip) : undefined;
  return {
    schemaVersion: SCHEMA_VERSION,
    verdict: reasons.length ? 'fail' : 'pass',
    verdict_reasons: reasons,
    scenario: {
      name: scenario.name,
      description: scenario.description,
      file: scenario.file,
      params: scenario.params,
      sweep: scenario.sweep,
      overrides: scenario.overrides,
      steps: scenario.steps.map((s) => (s.label === undefined ? { index: s.index, kind: s.kind } : { index: s.index, kind: s.kind, label: s.label })),
    },
    seed,
    runtime: input.runtime,
    ...(runs[0]!.simulation ? { simulation: runs[0]!.simulation } : {}),
    peer_settings: peerSettings,
    started_at: startedAt,
    finished_at: finishedAt,
    duration_ms: Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt)),
    versions: environment.versions,
    machine: environment.machine,
    metrics,
    ...(model ? { gossip_model: model } : {}),
    slos,
    repeat: { count, statistic: 'median', runs, aggregate: aggregateByPath(runs.map((r) => r.metrics)) },
    baseline: input.baseline ?? combineBaselines(runs.map((r) => r.baseline)),
  };
}

/** One run with its own verdict. */
function summarize(run: RunInput, index: number, reportSeed: number, scenario: Scenario): RunSummary {
  const metrics = run.metrics ?? computeMetrics(run.events);
  const slos = run.sloResults ?? evaluateSlos(scenario.slos, metrics);
  const reasons = [...failedSteps(metrics), ...slos.filter((s) => !s.pass).map((s) => `SLO not met: ${s.message}`)];
  const startedAt = new Date(run.startedAt);
  return {
    index,
    seed: run.seed ?? reportSeed,
    verdict: reasons.length ? 'fail' : 'pass',
    verdict_reasons: reasons,
    started_at: startedAt.toISOString(),
    duration_ms: Math.max(0, new Date(run.finishedAt).getTime() - startedAt.getTime()),
    metrics,
    slos,
    baseline: run.baseline ?? unmeasuredBaseline('not measured: the report was built without running'),
    ...(run.simulation ? { simulation: run.simulation } : {}),
  };
}

function failedSteps(metrics: Metrics): string[] {
  return metrics.timeline.steps.filter((s) => s.failed).map((s) => `step ${s.index} (${s.label ?? s.name}) failed${s.detail ? `: ${s.detail}` : ''}`);
}

/**
 * The whole report's baseline from its runs': load and steal before the first run and
 * after the last; the echo's percentiles as the median of the runs' (the orchestrator,
 * which has every round trip, passes a pooled one instead).
 */
export function combineBaselines(baselines: readonly Baseline[]): Baseline {
  if (baselines.length === 1) return baselines[0]!;
  const first = baselines[0]!;
  const last = baselines.at(-1)!;
  const measured = baselines.filter((b) => b.grpc_echo.samples > 0);
  const combined: Baseline = {
    grpc_echo: {
      p50_us: measured.length ? median(measured.map((b) => b.grpc_echo.p50_us)) : 0,
      p99_us: measured.length ? median(measured.map((b) => b.grpc_echo.p99_us)) : 0,
      samples: measured.reduce((n, b) => n + b.grpc_echo.samples, 0),
    },
    load_avg: { before: first.load_avg.before, after: last.load_avg.after },
    cpu_steal_percent: { before: first.cpu_steal_percent.before, after: last.cpu_steal_percent.after },
  };
  const notes = [...new Set(baselines.flatMap((b) => b.notes ?? []))];
  if (notes.length) combined.notes = notes;
  return combined;
}
