import { seededRandom } from '../scenario/random.js';
import type { HistoryEvent } from './events.js';

export interface SyntheticGossipOptions {
  peers?: number;
  /** Group messages written, 10 a second, by p0, p1 and p2 in turn. */
  messages?: number;
  /** A peer killed after a third of the messages and restarted after two thirds; it catches up by anti-entropy. */
  churnPeer?: string;
  /** A peer killed after half the messages and never restarted. */
  deadPeer?: string;
  /** (message index, peer) pairs that never show the message although the peer stays up. */
  missed?: Array<[number, string]>;
  seed?: number;
}

/**
 * The history of a plausible gossip run without peers: N peers start, authors write, each
 * message spreads hop by hop (first hop after ~2 ms, ~3 ms per further hop), a churned
 * peer catches up after its restart, every live peer reports its gossip counters at the
 * end, and the verify ceiling was measured first. Deterministic for a seed.
 */
export function syntheticGossipRun(options: SyntheticGossipOptions = {}): HistoryEvent[] {
  const { peers = 8, messages = 30, churnPeer, deadPeer, missed = [], seed = 7 } = options;
  const random = seededRandom(seed);
  const names = Array.from({ length: peers }, (_, i) => `p${i}`);
  const events: HistoryEvent[] = [{ t: 0, type: 'verify_ceiling', perS: 5000, sampleMs: 300 }];
  for (const p of names) {
    events.push({ t: 5, type: 'lifecycle', peer: p, event: 'started' }, { t: 100, type: 'lifecycle', peer: p, event: 'ready' });
  }
  const begin = 1000;
  const killAt = begin + (messages / 3) * 100 + 50;
  const restartAt = begin + ((2 * messages) / 3) * 100 + 50;
  const deadAt = begin + (messages / 2) * 100 + 50;
  if (churnPeer) {
    events.push({ t: killAt, type: 'fault', fault: 'kill', peers: [churnPeer] }, { t: killAt + 2, type: 'lifecycle', peer: churnPeer, event: 'exited' });
    events.push({ t: restartAt, type: 'lifecycle', peer: churnPeer, event: 'started' }, { t: restartAt + 200, type: 'lifecycle', peer: churnPeer, event: 'ready' });
  }
  if (deadPeer) events.push({ t: deadAt, type: 'lifecycle', peer: deadPeer, event: 'exited' });
  const copies = new Map(names.map((p) => [p, 0]));
  const delivered = new Map(names.map((p) => [p, 0]));
  let lastT = 0;
  for (let n = 0; n < messages; n++) {
    const from = names[n % Math.min(3, peers)]!;
    const scheduledT = begin + n * 100;
    const id = `g${n}`;
    events.push({ t: scheduledT + 0.4, type: 'gsend', id, from, room: 'everyone', scheduledT, size: 256 });
    events.push({ t: scheduledT + 0.3, type: 'gdeliver', id, peer: from, hops: 0 });
    delivered.set(from, delivered.get(from)! + 1);
    for (const p of names) {
      if (p === from || missed.some(([i, q]) => i === n && q === p)) continue;
      const hops = 1 + Math.floor(random() * 3);
      let t = scheduledT + 2 + (hops - 1) * 3 + random() * 2;
      if (p === deadPeer && t >= deadAt) continue;
      if (p === churnPeer && t >= killAt) t = Math.max(t, restartAt + 200 + 1000 + random() * 500); // a digest round after the restart
      events.push({ t, type: 'gdeliver', id, peer: p, hops });
      lastT = Math.max(lastT, t);
      // Each peer hears about fanout copies of a message; the churned peer's counters restart with it.
      if (!(p === churnPeer && t < restartAt)) {
        copies.set(p, copies.get(p)! + 3);
        delivered.set(p, delivered.get(p)! + 1);
      }
    }
  }
  for (const p of names) {
    if (p === deadPeer) continue;
    const c = copies.get(p)!;
    const d = delivered.get(p)!;
    const own = messages > 0 ? names.slice(0, Math.min(3, peers)).includes(p) ? Math.ceil((messages - names.indexOf(p)) / Math.min(3, peers)) : 0 : 0;
    events.push({ t: lastT + 500, type: 'gstats', peer: p, copiesReceived: c, delivered: d, originated: own, duplicates: c - (d - own), signatureChecks: d - own, copiesSent: c });
  }
  return events;
}
