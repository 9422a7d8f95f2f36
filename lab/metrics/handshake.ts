import type { HistoryEvent } from './events.js';
import { MsHistogram, round } from './histogram.js';
import type { HandshakeMetrics } from './types.js';

/**
 * Handshake time from session_up events. Only the dialling side times a handshake (the
 * answering side reports 0), so zeros count toward `sessions` but not the distribution.
 */
export function computeHandshake(events: readonly HistoryEvent[]): HandshakeMetrics {
  const hist = new MsHistogram();
  const pairs = new Set<string>();
  for (const e of events) {
    if (e.type !== 'session_up') continue;
    pairs.add([e.peer, e.other].sort().join('\0'));
    if (e.handshakeMs > 0) hist.record(e.handshakeMs);
  }
  const s = hist.summary();
  hist.destroy();
  return { count: s.count, sessions: pairs.size, p50_ms: s.p50, p99_ms: s.p99, max_ms: s.max, mean_ms: round(s.mean) };
}
