import type { HistoryEvent, LoginEvent } from './events.js';
import { MsHistogram, round } from './histogram.js';
import type { LoginMetrics, MemoryMetrics } from './types.js';

/** Login → ready from `login` events; memory per user from the users' own RSS samples. Undefined without logins. */
export function computeLogin(events: readonly HistoryEvent[], memory: MemoryMetrics): LoginMetrics | undefined {
  const logins = events.filter((e): e is LoginEvent => e.type === 'login');
  const last = logins.at(-1);
  if (!last) return undefined;
  const s = summaryOf(logins);
  const users = new Set(logins.map((e) => e.peer));
  const rss = memory.per_peer.filter((p) => users.has(p.peer)).map((p) => p.mean_rss_mb);
  return {
    spawner: last.spawner,
    pool: last.pool,
    count: s.count,
    from_pool: logins.filter((e) => e.fromPool).length,
    p50_ms: s.p50,
    p99_ms: s.p99,
    max_ms: s.max,
    mean_ms: round(s.mean),
    from_pool_p50_ms: summaryOf(logins.filter((e) => e.fromPool)).p50,
    started_p50_ms: summaryOf(logins.filter((e) => !e.fromPool)).p50,
    memory_per_user_mb: rss.length === 0 ? 0 : round(rss.reduce((a, b) => a + b, 0) / rss.length),
  };
}

function summaryOf(logins: readonly LoginEvent[]): ReturnType<MsHistogram['summary']> {
  const hist = new MsHistogram();
  for (const e of logins) hist.record(e.ms);
  const s = hist.summary();
  hist.destroy();
  return s;
}
