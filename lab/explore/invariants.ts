/**
 * What `lab explore` checks after every run, from the run's history alone: every direct
 * message to a peer up at the end was shown there; nothing was shown twice; every group
 * message was shown by every peer up at the end; no peer crashed and the lab did not
 * fail. The first violation found is returned with its evidence: which message, which peer.
 */
import type { HistoryEvent } from '../metrics/events.js';
import type { RunRecord } from '../orchestrator/run.js';

export const INVARIANTS = ['no_crash', 'delivered', 'shown_once', 'gossip_delivered'] as const;
export type Invariant = (typeof INVARIANTS)[number];

export interface Violation {
  invariant: Invariant;
  /** What broke it, in words: the message, the peers, the times. */
  evidence: string;
}

/** The first invariant `record` violates, or undefined. */
export function checkInvariants(record: Pick<RunRecord, 'status' | 'error' | 'events'>): Violation | undefined {
  return crashed(record) ?? undelivered(record.events) ?? shownTwice(record.events) ?? gossipMissing(record.events);
}

function crashed(record: Pick<RunRecord, 'status' | 'error' | 'events'>): Violation | undefined {
  if (record.status === 'lab_error') return { invariant: 'no_crash', evidence: `lab error: ${record.error?.message ?? 'unknown'}` };
  for (const e of record.events) {
    if (e.type === 'lifecycle' && e.event === 'exited' && (e.detail as { by?: string } | undefined)?.by === 'itself') {
      const why = record.events.find((x) => x.type === 'error' && x.peer === e.peer && x.t >= e.t);
      return { invariant: 'no_crash', evidence: `${e.peer} exited on its own at ${at(e.t)}${why?.type === 'error' ? `: ${why.message}` : ''}` };
    }
  }
  return undefined;
}

function undelivered(events: readonly HistoryEvent[]): Violation | undefined {
  const up = upAtEnd(events);
  const shown = new Set(events.flatMap((e) => (e.type === 'deliver' ? [e.id] : [])));
  const missing = events.filter((e) => e.type === 'send' && up.has(e.to) && !shown.has(e.id));
  const first = missing[0];
  if (first?.type !== 'send') return undefined;
  return {
    invariant: 'delivered',
    evidence: `message ${first.id} ${first.from} → ${first.to}, sent at ${at(first.t)}, never shown at ${first.to}, which is up at the end (${missing.length} such message${missing.length === 1 ? '' : 's'})`,
  };
}

function shownTwice(events: readonly HistoryEvent[]): Violation | undefined {
  const direct = new Map<string, number[]>();
  const group = new Map<string, number[]>();
  for (const e of events) {
    if (e.type === 'deliver') push(direct, e.id, e.t);
    else if (e.type === 'gdeliver') push(group, `${e.id} ${e.peer}`, e.t);
  }
  for (const [id, times] of direct) {
    if (times.length < 2) continue;
    const send = events.find((e) => e.type === 'deliver' && e.id === id);
    const route = send?.type === 'deliver' ? `${send.from} → ${send.to}` : '';
    return { invariant: 'shown_once', evidence: `message ${id} ${route} shown ${times.length} times at ${send?.type === 'deliver' ? send.to : 'its recipient'} (at ${times.map(at).join(', ')})` };
  }
  for (const [key, times] of group) {
    if (times.length < 2) continue;
    const [id, peer] = key.split(' ');
    return { invariant: 'shown_once', evidence: `group message ${id} shown ${times.length} times at ${peer} (at ${times.map(at).join(', ')})` };
  }
  return undefined;
}

function gossipMissing(events: readonly HistoryEvent[]): Violation | undefined {
  const up = [...upAtEnd(events)];
  const holders = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.type !== 'gdeliver') continue;
    const peers = holders.get(e.id);
    if (peers) peers.add(e.peer);
    else holders.set(e.id, new Set([e.peer]));
  }
  let total = 0;
  let first: string | undefined;
  for (const e of events) {
    if (e.type !== 'gsend') continue;
    for (const peer of up) {
      if (holders.get(e.id)?.has(peer)) continue;
      total++;
      first ??= `group message ${e.id} by ${e.from}, written at ${at(e.t)}, never shown at ${peer}, which is up at the end`;
    }
  }
  return first ? { invariant: 'gossip_delivered', evidence: `${first} (${total} message-peer pair${total === 1 ? '' : 's'} missing)` } : undefined;
}

/** The peers running at the end of the run, from its lifecycle and fault events in order. */
export function upAtEnd(events: readonly HistoryEvent[]): Set<string> {
  const state = new Map<string, 'up' | 'down' | 'paused'>();
  for (const e of events) {
    if (e.type === 'lifecycle') state.set(e.peer, e.event === 'exited' ? 'down' : 'up');
    else if (e.type === 'fault') {
      const next = e.fault === 'kill' || e.fault === 'stop' ? 'down' : e.fault === 'pause' ? 'paused' : e.fault === 'restart' || e.fault === 'unpause' ? 'up' : undefined;
      if (next) for (const p of e.peers) state.set(p, next);
    }
  }
  return new Set([...state].flatMap(([peer, s]) => (s === 'up' ? [peer] : [])));
}

function push(map: Map<string, number[]>, key: string, t: number): void {
  const times = map.get(key);
  if (times) times.push(t);
  else map.set(key, [t]);
}

/** Run time in seconds, as a person reads it. */
function at(t: number): string {
  return `${(t / 1000).toFixed(2)} s`;
}
