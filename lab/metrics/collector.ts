import { computeDelivery } from './delivery.js';
import { computeDiscovery } from './discovery.js';
import { computeFleet } from './fleet.js';
import type { HistoryEvent } from './events.js';
import { computeGossip } from './gossip.js';
import { computeHandshake } from './handshake.js';
import { computeLogin } from './login.js';
import { computeResources } from './resources.js';
import { byPeerIndex, maxOf } from './stats.js';
import { computePerStep, computeThroughput } from './throughput.js';
import { computeTimeline, loadWindows } from './timeline.js';
import type { Metrics } from './types.js';

const MAX_ERROR_MESSAGES = 50;

/**
 * Collects history events during a run and turns them into Metrics at the end.
 * Events may arrive slightly out of order (each peer's stream is read separately);
 * finish() sorts them by `t` first.
 */
export class MetricsCollector {
  private readonly events: HistoryEvent[] = [];

  /** Records one event. */
  add(event: HistoryEvent): void {
    this.events.push(event);
  }

  /** Every event so far, in the order added. */
  get history(): readonly HistoryEvent[] {
    return this.events;
  }

  /** Computes the run's metrics from every event added. */
  finish(): Metrics {
    return computeMetrics(this.events);
  }
}

/** Computes a run's metrics from its history events (e.g. a stored history.jsonl). */
export function computeMetrics(input: readonly HistoryEvent[]): Metrics {
  // Array.prototype.sort is stable, so events with equal t keep their arrival order.
  const events = [...input].sort((a, b) => a.t - b.t);
  const runEnd = maxOf(events.map((e) => e.t));
  const windows = loadWindows(events, runEnd);
  const { latency, delivery, outcomes } = computeDelivery(events);
  const { memory, cpu } = computeResources(events);
  const errors = events.filter((e) => e.type === 'error');
  const gossip = computeGossip(events);
  const fleet = computeFleet(events);
  const login = computeLogin(events, memory);
  return {
    duration_ms: runEnd,
    peers: peersIn(events),
    latency,
    delivery,
    throughput: computeThroughput(events, windows, runEnd),
    per_step: computePerStep(outcomes, windows),
    discovery: computeDiscovery(events),
    handshake: computeHandshake(events),
    memory,
    cpu,
    errors: {
      count: errors.length,
      messages: errors.slice(0, MAX_ERROR_MESSAGES).map((e) => ({ t: e.t, message: e.peer ? `${e.peer}: ${e.message}` : e.message })),
    },
    timeline: computeTimeline(events),
    ...(gossip ? { gossip } : {}),
    ...(fleet ? { fleet } : {}),
    ...(login ? { login } : {}),
  };
}

function peersIn(events: readonly HistoryEvent[]): string[] {
  const peers = new Set<string>();
  for (const e of events) {
    if ('peer' in e && typeof e.peer === 'string') peers.add(e.peer);
    if ('other' in e) peers.add(e.other);
    if (e.type === 'send' || e.type === 'deliver' || e.type === 'ack') peers.add(e.from).add(e.to);
    if (e.type === 'gsend') peers.add(e.from);
    if (e.type === 'fault') for (const p of e.peers) peers.add(p);
  }
  return [...peers].sort(byPeerIndex);
}
