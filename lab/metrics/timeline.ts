import type { HistoryEvent } from './events.js';
import type { Timeline } from './types.js';

/** A load step's time window; `end` is the run's end if the step never ended. */
export interface LoadWindow {
  index: number;
  label: string;
  begin: number;
  end: number;
  detail: unknown;
  /** The `end` event's detail: the load driver's tally (planned, sent, skipped, cut). */
  endDetail: unknown;
}

/** Steps (begin/end/failed folded into one span each) and faults, in time order. */
export function computeTimeline(events: readonly HistoryEvent[]): Timeline {
  const steps = new Map<number, Timeline['steps'][number]>();
  const faults: Timeline['faults'] = [];
  for (const e of events) {
    if (e.type === 'step') {
      let span = steps.get(e.index);
      if (!span) {
        span = { index: e.index, name: e.name, begin_ms: e.t, end_ms: null, failed: false };
        if (e.label !== undefined) span.label = e.label;
        steps.set(e.index, span);
      }
      if (e.phase === 'begin' && e.scheduledT !== undefined) span.scheduled_ms = e.scheduledT;
      if (e.phase === 'end' || e.phase === 'failed') span.end_ms = e.t;
      if (e.phase === 'failed') {
        span.failed = true;
        if (e.detail !== undefined) span.detail = typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail);
      }
    } else if (e.type === 'fault') {
      const mark: Timeline['faults'][number] = { t_ms: e.t, fault: e.fault, peers: [...e.peers] };
      if (e.mechanism !== undefined) mark.mechanism = e.mechanism;
      if (e.scheduledT !== undefined) mark.scheduled_ms = e.scheduledT;
      faults.push(mark);
    }
  }
  return { steps: [...steps.values()].sort((a, b) => a.begin_ms - b.begin_ms), faults };
}

/** The windows of the run's load steps, labelled (`load #3` when the step had no label). */
export function loadWindows(events: readonly HistoryEvent[], runEnd: number): LoadWindow[] {
  const windows = new Map<number, LoadWindow>();
  for (const e of events) {
    if (e.type !== 'step' || e.name !== 'load') continue;
    let w = windows.get(e.index);
    if (!w) {
      // The load's schedule starts when the step was due (its first arrival's scheduledT), a hair before its begin event.
      w = { index: e.index, label: e.label ?? `load #${e.index}`, begin: Math.min(e.t, e.scheduledT ?? e.t), end: runEnd, detail: undefined, endDetail: undefined };
      windows.set(e.index, w);
    }
    if (e.phase === 'begin') w.detail = e.detail;
    else {
      w.end = e.t;
      w.endDetail = e.detail;
    }
  }
  return [...windows.values()].sort((a, b) => a.begin - b.begin);
}
