/**
 * What a reader must not miss about how a run went, beyond its metrics: load the run cut
 * short (planned messages never sent), steps that began late against their schedule, CPU
 * values that cannot be right, and what the baseline could not measure. Plain sentences,
 * shown in report.md and report.html.
 */
import { formatMetric } from '../metrics/format.js';
import type { Metrics } from '../metrics/types.js';
import type { Report } from './types.js';

/** A step that began more than this after it was due is called late. */
export const LATE_MS = 50;

/** The notes of every run (prefixed `run i:` when there are several) and of the baseline. */
export function reportNotes(report: Report): string[] {
  const many = report.repeat.count > 1;
  const notes = report.repeat.runs.flatMap((run) => metricsNotes(run.metrics).map((n) => (many ? `run ${run.index}: ${n}` : n)));
  for (const note of report.baseline.notes ?? []) notes.push(`baseline: ${note}`);
  const sim = report.simulation;
  if (sim) {
    notes.unshift(
      `simulated (--runtime sim, seed ${sim.seed}): every time in this report is virtual, ${formatMetric(sim.virtual_ms, 'ms')} run in ${formatMetric(sim.wall_ms, 'ms')} of wall time; crypto ${sim.crypto.rule} (${sim.crypto.note}); ${sim.resources_note}`,
    );
  }
  return notes;
}

/** The notes one run's metrics call for. */
export function metricsNotes(m: Metrics): string[] {
  const notes: string[] = [];
  for (const s of m.per_step) {
    if (s.cut) notes.push(`load step "${s.label}" was cut when the run ended: ${s.cut} of ${s.planned ?? '?'} planned messages were never sent`);
  }
  const late = m.timeline.steps.filter((s) => s.scheduled_ms !== undefined && s.begin_ms - s.scheduled_ms > LATE_MS);
  if (late.length) {
    const worst = late.reduce((a, b) => (b.begin_ms - b.scheduled_ms! > a.begin_ms - a.scheduled_ms! ? b : a));
    notes.push(`${late.length} step${late.length === 1 ? '' : 's'} began more than ${LATE_MS} ms after ${late.length === 1 ? 'its' : 'their'} schedule (the step before overran); the latest: step ${worst.index} ${worst.label ?? worst.name}, ${formatMetric(worst.begin_ms - worst.scheduled_ms!, 'ms')} late`);
  }
  if (m.cpu.implausible_count) {
    const first = m.cpu.implausible[0]!;
    const what = first.peer === null ? `all peers together at ${formatMetric(first.percent, 'percent')}` : `${first.peer} at ${formatMetric(first.percent, 'percent')}`;
    notes.push(`CPU: ${m.cpu.implausible_count} implausible value${m.cpu.implausible_count === 1 ? '' : 's'} (more than ${m.cpu.cores ?? '?'} cores can give, or one peer far above one core), e.g. ${what} at ${formatMetric(first.t_ms, 'ms')} (limit ${formatMetric(first.limit_percent, 'percent')}); they are kept in the CPU numbers, which are suspect`);
  }
  return notes;
}
