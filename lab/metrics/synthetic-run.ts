import { seededRandom } from '../scenario/random.js';
import type { HistoryEvent } from './events.js';

/** Knobs for a synthetic run; every default gives a small, realistic churn run. */
export interface SyntheticRunOptions {
  peers?: number;
  /** Sends in each of the two load steps (20/s, then 40/s). */
  sendsPerStep?: number;
  /** Indexes of sends that are never delivered. */
  lost?: number[];
  /** Indexes of sends delivered twice. */
  duplicated?: number[];
  /** Multiplies every delivery latency (to fake a regression). */
  latencyScale?: number;
  seed?: number;
  /** Makes p{n} never see p{n-1}: discovery does not converge. */
  undiscoveredPair?: boolean;
}

/**
 * Builds the history of a plausible run without any peers: N peers start and find each
 * other, open sessions, two labelled load steps (20/s, then 40/s), a kill and restart of
 * p3 in between, resource samples every second, and one error. Used by metrics, report
 * and compare tests; deterministic for a seed.
 */
export function syntheticRun(options: SyntheticRunOptions = {}): HistoryEvent[] {
  const { peers = 5, sendsPerStep = 100, lost = [7, 150], duplicated = [3], latencyScale = 1, seed = 42 } = options;
  const random = seededRandom(seed);
  const names = Array.from({ length: peers }, (_, i) => `p${i}`);
  const events: HistoryEvent[] = [];
  const push = (e: HistoryEvent) => events.push(e);

  // Start and discovery.
  push({ t: 0, type: 'step', index: 0, name: 'start', phase: 'begin' });
  names.forEach((p, i) => {
    push({ t: 10 + i * 5, type: 'lifecycle', peer: p, event: 'started' });
    push({ t: 200 + i * 30, type: 'lifecycle', peer: p, event: 'ready' });
  });
  const allReady = 200 + (peers - 1) * 30;
  push({ t: allReady, type: 'step', index: 0, name: 'start', phase: 'end' });
  push({ t: allReady, type: 'step', index: 1, name: 'wait_for', phase: 'begin', detail: { condition: 'discovered' } });
  let discovered = allReady;
  for (const [i, p] of names.entries()) {
    for (const [j, q] of names.entries()) {
      if (i === j || (options.undiscoveredPair && i === peers - 1 && j === peers - 2)) continue;
      const t = Math.max(200 + i * 30, 200 + j * 30) + 100 + Math.round(random() * 800);
      push({ t, type: 'peer_up', peer: p, other: q });
      discovered = Math.max(discovered, t);
      if (i < j) {
        const hs = 4 + random() * 16;
        push({ t: t + hs, type: 'session_up', peer: p, other: q, handshakeMs: hs });
        push({ t: t + hs, type: 'session_up', peer: q, other: p, handshakeMs: 0 });
      }
    }
  }
  push({ t: discovered + 1, type: 'step', index: 1, name: 'wait_for', phase: 'end' });

  // Two load steps; p3 is killed during the first and restarted during the second.
  const loads = [
    { index: 2, label: '20/s', rate: 20, begin: 1500 },
    { index: 4, label: '40/s', rate: 40, begin: 1500 + (sendsPerStep / 20) * 1000 + 500 },
  ];
  const killAt = 1500 + 2000;
  const restartAt = loads[1]!.begin + 1000;
  let n = 0;
  for (const load of loads) {
    push({ t: load.begin, type: 'step', index: load.index, name: 'load', phase: 'begin', label: load.label, detail: { rate: load.rate } });
    for (let k = 0; k < sendsPerStep; k++, n++) {
      const scheduledT = load.begin + (k * 1000) / load.rate;
      const from = names[Math.floor(random() * peers)]!;
      let to = names[Math.floor(random() * peers)]!;
      if (to === from) to = names[(names.indexOf(from) + 1) % peers]!;
      const id = `m${n}`;
      // The sender stalls a little now and then: latency still counts from scheduledT.
      const sendT = scheduledT + (random() < 0.05 ? 15 : 0.3);
      push({ t: sendT, type: 'send', id, from, to, scheduledT, size: 256 });
      if (lost.includes(n)) continue;
      const down = to === 'p3' && scheduledT >= killAt && scheduledT < restartAt;
      const base = down ? restartAt - scheduledT + 300 : 2 + random() * 8 + (random() < 0.02 ? 40 : 0);
      const deliverT = scheduledT + base * latencyScale;
      push({ t: deliverT, type: 'deliver', id, from, to });
      if (duplicated.includes(n)) push({ t: deliverT + 50, type: 'deliver', id, from, to });
      push({ t: deliverT + 1, type: 'ack', id, from, to });
    }
    push({ t: load.begin + (sendsPerStep / load.rate) * 1000, type: 'step', index: load.index, name: 'load', phase: 'end', label: load.label });
    if (load.index === 2) {
      push({ t: killAt, type: 'step', index: 3, name: 'kill', phase: 'begin' });
      push({ t: killAt, type: 'fault', fault: 'kill', peers: ['p3'], mechanism: 'SIGKILL' });
      push({ t: killAt + 5, type: 'lifecycle', peer: 'p3', event: 'exited', detail: { signal: 'SIGKILL' } });
      push({ t: killAt + 5, type: 'step', index: 3, name: 'kill', phase: 'end' });
    }
  }
  push({ t: restartAt, type: 'fault', fault: 'restart', peers: ['p3'] });
  push({ t: restartAt + 20, type: 'lifecycle', peer: 'p3', event: 'started' });
  push({ t: restartAt + 250, type: 'lifecycle', peer: 'p3', event: 'ready' });
  push({ t: restartAt + 400, type: 'error', peer: 'p3', message: 'outbox: retrying 4 messages after restart' });

  // Resource samples once a second per live peer.
  const end = Math.max(...events.map((e) => e.t)) + 500;
  for (let t = 1000; t <= end; t += 1000) {
    names.forEach((p, i) => {
      if (p === 'p3' && t > killAt && t < restartAt + 250) return;
      const mb = 48 + i * 3 + (t / 1000) * 0.4 + random() * 2;
      push({ t, type: 'sample', peer: p, rssBytes: Math.round(mb * 1024 * 1024), heapUsedBytes: Math.round(mb * 0.4 * 1024 * 1024), cpuPercent: 3 + random() * 20 });
    });
  }
  const lastLoadEnd = loads[1]!.begin + (sendsPerStep / loads[1]!.rate) * 1000;
  push({ t: lastLoadEnd, type: 'step', index: 5, name: 'wait_for', phase: 'begin', detail: { condition: 'delivered' } });
  push({ t: end, type: 'step', index: 5, name: 'wait_for', phase: 'end' });
  // The orchestrator's streams interleave: hand the events over in arrival order, not t order.
  return events;
}
