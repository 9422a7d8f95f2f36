import { computeMetrics } from '../metrics/collector.js';
import type { HistoryEvent } from '../metrics/events.js';
import type { Metrics } from '../metrics/types.js';
import { evaluateSlos, type SloResult } from '../scenario/slo.js';
import type { Scenario } from '../scenario/types.js';
import { collectEnvironment } from './environment.js';
import { SCHEMA_VERSION, type Environment, type Report } from './types.js';

export interface BuildReportInput {
  scenario: Scenario;
  runtime: string;
  /** Defaults to the scenario's seed. */
  seed?: number;
  startedAt: Date | string;
  finishedAt: Date | string;
  events: readonly HistoryEvent[];
  /** Computed from `events` when not given. */
  metrics?: Metrics;
  /** Evaluated from the scenario's SLOs when not given. */
  sloResults?: SloResult[];
  /** Collected from this process when not given (tests pass a fixed one). */
  environment?: Environment;
}

/** Assembles report.json's content: scenario as run, environment, metrics, SLO results and the verdict. */
export function buildReport(input: BuildReportInput): Report {
  const metrics = input.metrics ?? computeMetrics(input.events);
  const slos = input.sloResults ?? evaluateSlos(input.scenario.slos, metrics);
  const environment = input.environment ?? collectEnvironment();
  const startedAt = new Date(input.startedAt);
  const finishedAt = new Date(input.finishedAt);
  const reasons = [
    ...metrics.timeline.steps.filter((s) => s.failed).map((s) => `step ${s.index} (${s.label ?? s.name}) failed${s.detail ? `: ${s.detail}` : ''}`),
    ...slos.filter((s) => !s.pass).map((s) => `SLO not met: ${s.message}`),
  ];
  const { scenario } = input;
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
    seed: input.seed ?? scenario.seed,
    runtime: input.runtime,
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    duration_ms: Math.max(0, finishedAt.getTime() - startedAt.getTime()),
    versions: environment.versions,
    machine: environment.machine,
    metrics,
    slos,
  };
}
