import type { HistoryEvent, SendEvent } from './events.js';
import { MsHistogram, round } from './histogram.js';
import { percentileOf } from './stats.js';
import type { DeliveryMetrics, LatencyMetrics } from './types.js';

/** What each send became: the first delivery's latency (ms from scheduledT), if any. */
export interface SendOutcome {
  send: SendEvent;
  latencyMs: number | null;
  deliveredAt: number | null;
}

/**
 * Matches sends with deliveries and acks by message id. Latency is the first deliver's
 * `t` minus the send's `scheduledT`, so time a stalled sender spent before sending counts.
 */
export function computeDelivery(events: readonly HistoryEvent[]): {
  latency: LatencyMetrics;
  delivery: DeliveryMetrics;
  outcomes: SendOutcome[];
} {
  const outcomes = new Map<string, SendOutcome>();
  const acked = new Set<string>();
  const early = new Map<string, number>(); // delivers seen before their send (clock skew between streams)
  let duplicates = 0;
  let unexpected = 0;
  let delivered = 0;

  for (const e of events) {
    if (e.type === 'send') {
      const out: SendOutcome = { send: e, latencyMs: null, deliveredAt: null };
      outcomes.set(e.id, out);
      const at = early.get(e.id);
      if (at !== undefined) {
        early.delete(e.id);
        unexpected--;
        deliver(out, at);
      }
    } else if (e.type === 'deliver') {
      const out = outcomes.get(e.id);
      if (!out) {
        if (early.has(e.id)) duplicates++;
        else {
          early.set(e.id, e.t);
          unexpected++;
        }
      } else if (out.deliveredAt !== null) duplicates++;
      else deliver(out, e.t);
    } else if (e.type === 'ack') {
      acked.add(e.id);
    }
  }

  function deliver(out: SendOutcome, t: number): void {
    out.deliveredAt = t;
    out.latencyMs = Math.max(0, t - out.send.scheduledT);
    delivered++;
  }

  const all = [...outcomes.values()];
  const hist = new MsHistogram();
  for (const o of all) if (o.latencyMs !== null) hist.record(o.latencyMs);
  const latency: LatencyMetrics = { ...hist.summary(), percentiles: hist.curve(), over_time: overTime(all) };
  hist.destroy();

  const sent = all.length;
  return {
    latency,
    delivery: {
      sent,
      delivered,
      lost: sent - delivered,
      duplicates,
      unexpected,
      acked: [...acked].filter((id) => outcomes.has(id)).length,
      ratio: sent === 0 ? 1 : delivered / sent,
    },
    outcomes: all,
  };
}

/** Latency per second of scheduled send time, exact percentiles of that second's messages. */
function overTime(outcomes: readonly SendOutcome[]): LatencyMetrics['over_time'] {
  const buckets = new Map<number, number[]>();
  for (const o of outcomes) {
    if (o.latencyMs === null) continue;
    const s = Math.floor(o.send.scheduledT / 1000);
    let list = buckets.get(s);
    if (!list) buckets.set(s, (list = []));
    list.push(o.latencyMs);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t_s, list]) => {
      list.sort((a, b) => a - b);
      return { t_s, count: list.length, p50: round(percentileOf(list, 50)), p99: round(percentileOf(list, 99)), max: round(list[list.length - 1]!) };
    });
}
