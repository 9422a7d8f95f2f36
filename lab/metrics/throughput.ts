import type { HistoryEvent } from './events.js';
import type { SendOutcome } from './delivery.js';
import { MsHistogram } from './histogram.js';
import { roundTo } from './stats.js';
import type { LoadWindow } from './timeline.js';
import type { LoadStepMetrics, ThroughputMetrics } from './types.js';

/** Sends and deliveries per second of run time, and the mean rates during load. */
export function computeThroughput(events: readonly HistoryEvent[], windows: readonly LoadWindow[], runEnd: number): ThroughputMetrics {
  const seconds = Math.max(0, Math.floor(runEnd / 1000)) + 1;
  const series = Array.from({ length: events.length ? seconds : 0 }, (_, t_s) => ({ t_s, sent: 0, delivered: 0 }));
  const seen = new Set<string>();
  let deliveredInLoad = 0;
  let sentInLoad = 0;
  for (const e of events) {
    if (e.type === 'send') {
      const bucket = series[Math.floor(e.t / 1000)];
      if (bucket) bucket.sent++;
      if (inAny(windows, e.scheduledT)) sentInLoad++;
    } else if (e.type === 'deliver' && !seen.has(e.id)) {
      seen.add(e.id);
      const bucket = series[Math.floor(e.t / 1000)];
      if (bucket) bucket.delivered++;
      if (inAny(windows, e.t)) deliveredInLoad++;
    }
  }
  const loadSeconds = windows.reduce((sum, w) => sum + Math.max(0, w.end - w.begin), 0) / 1000;
  return {
    series,
    mean_delivered_per_s: loadSeconds > 0 ? roundTo(deliveredInLoad / loadSeconds, 2) : 0,
    mean_sent_per_s: loadSeconds > 0 ? roundTo(sentInLoad / loadSeconds, 2) : 0,
  };
}

/**
 * For each load step: the rate it offered (sends scheduled in its window), the rate the
 * network delivered meanwhile (deliveries seen in its window), and the latency of the
 * messages it scheduled. Side by side over a ramp, this shows where the network saturates.
 */
export function computePerStep(outcomes: readonly SendOutcome[], windows: readonly LoadWindow[]): LoadStepMetrics[] {
  return windows.map((w) => {
    const seconds = Math.max(0.001, (w.end - w.begin) / 1000);
    const hist = new MsHistogram();
    let sent = 0;
    let deliveredInWindow = 0;
    let delivered = 0;
    for (const o of outcomes) {
      if (o.deliveredAt !== null && o.deliveredAt >= w.begin && o.deliveredAt <= w.end) deliveredInWindow++;
      if (o.send.scheduledT < w.begin || o.send.scheduledT > w.end) continue;
      sent++;
      if (o.latencyMs !== null) {
        delivered++;
        hist.record(o.latencyMs);
      }
    }
    const s = hist.summary();
    hist.destroy();
    return {
      index: w.index,
      label: w.label,
      begin_ms: w.begin,
      end_ms: w.end,
      rate_configured: configuredRate(w.detail),
      ...plannedAndCut(w.endDetail),
      offered_per_s: roundTo(sent / seconds, 2),
      delivered_per_s: roundTo(deliveredInWindow / seconds, 2),
      sent,
      delivered,
      latency: { count: s.count, p50: s.p50, p99: s.p99, max: s.max },
    };
  });
}

function inAny(windows: readonly LoadWindow[], t: number): boolean {
  return windows.some((w) => t >= w.begin && t <= w.end);
}

/** What the step planned and how much of it the run's end cut, from the load driver's tally in the `end` event. */
function plannedAndCut(detail: unknown): { planned: number | null; cut: number | null } {
  const tally = detail as { scheduled?: unknown; skipped?: { cut?: unknown } } | undefined;
  return {
    planned: typeof tally?.scheduled === 'number' ? tally.scheduled : null,
    cut: typeof tally?.skipped?.cut === 'number' ? tally.skipped.cut : null,
  };
}

function configuredRate(detail: unknown): number | null {
  if (detail && typeof detail === 'object' && 'rate' in detail && typeof detail.rate === 'number') return detail.rate;
  return null;
}
