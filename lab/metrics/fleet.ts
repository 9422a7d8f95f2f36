/**
 * The fleet's own figures: how the peers came up (boot times, slow starts) and what each
 * costs — idle CPU, memory, sessions open, announcements received per second — from the
 * `ready` lifecycle events (their `bootMs`) and the resource samples.
 *
 * Idle CPU is a peer's mean CPU over the steps labelled `idle` (a `sleep` with nothing
 * else going on: scenarios/scale.yaml has one after discovery); null when the run has none.
 */
import type { HistoryEvent, SampleEvent } from './events.js';
import { samplesByPeer } from './resources.js';
import { byPeerIndex, maxOf, mean, percentileOf, roundTo } from './stats.js';
import type { FleetMetrics } from './types.js';

/** Slow starts listed in the report (the count says how many there were). */
const MAX_SLOW_LISTED = 20;
const MIB = 1024 * 1024;

/** What the lab says about how it started the fleet (the `ready` event's detail). */
interface ReadyDetail {
  bootMs?: number;
  slowMs?: number;
  peersPerProcess?: number;
}

/** Fleet metrics, or undefined when no peer reported a boot time (an old history). */
export function computeFleet(events: readonly HistoryEvent[]): FleetMetrics | undefined {
  const boots: Array<{ peer: string; ms: number; slowMs: number }> = [];
  let peersPerProcess = 1;
  for (const e of events) {
    if (e.type !== 'lifecycle' || e.event !== 'ready') continue;
    const detail = (e.detail ?? {}) as ReadyDetail;
    if (typeof detail.bootMs !== 'number') continue;
    boots.push({ peer: e.peer, ms: detail.bootMs, slowMs: detail.slowMs ?? Infinity });
    peersPerProcess = Math.max(peersPerProcess, detail.peersPerProcess ?? 1);
  }
  if (boots.length === 0) return undefined;
  const sorted = boots.map((b) => b.ms).sort((a, b) => a - b);
  const slow = boots.filter((b) => b.ms > b.slowMs);
  const idle = idleWindows(events);
  const byPeer = samplesByPeer(events);
  const per_peer = [...byPeer.keys()].sort(byPeerIndex).map((peer) => peerFigures(peer, byPeer.get(peer)!, idle));
  const present = <T>(values: Array<T | null>): T[] => values.filter((v): v is T => v !== null);
  const idleCpu = present(per_peer.map((p) => p.idle_cpu_percent));
  const rates = present(per_peer.map((p) => p.announcements_per_s));
  return {
    peers_per_process: peersPerProcess,
    boot_p50_ms: percentileOf(sorted, 50),
    boot_p99_ms: percentileOf(sorted, 99),
    boot_max_ms: maxOf(sorted),
    slow_starts: slow.length,
    slow: slow.slice(0, MAX_SLOW_LISTED).map((b) => ({ peer: b.peer, boot_ms: b.ms, slow_ms: b.slowMs })),
    idle_cpu_percent: idleCpu.length ? roundTo(mean(idleCpu), 3) : null,
    rss_mb_per_peer: per_peer.length ? roundTo(mean(per_peer.map((p) => p.mean_rss_mb)), 2) : 0,
    sessions_per_peer: per_peer.length ? roundTo(mean(per_peer.map((p) => p.sessions_open)), 2) : 0,
    announcements_per_s: rates.length ? roundTo(mean(rates), 2) : null,
    per_peer,
  };
}

/** [begin, end) of every step labelled `idle`. */
function idleWindows(events: readonly HistoryEvent[]): Array<[number, number]> {
  const open = new Map<number, number>();
  const windows: Array<[number, number]> = [];
  for (const e of events) {
    if (e.type !== 'step' || e.label !== 'idle') continue;
    if (e.phase === 'begin') open.set(e.index, e.t);
    else if (open.has(e.index)) windows.push([open.get(e.index)!, e.t]);
  }
  return windows;
}

function peerFigures(peer: string, samples: SampleEvent[], idle: Array<[number, number]>): FleetMetrics['per_peer'][number] {
  const inIdle = samples.filter((s) => s.cpuPercent !== undefined && idle.some(([a, b]) => s.t >= a && s.t < b));
  const withSessions = samples.filter((s) => s.sessionsOpen !== undefined);
  return {
    peer,
    idle_cpu_percent: inIdle.length ? roundTo(mean(inIdle.map((s) => s.cpuPercent!)), 3) : null,
    mean_rss_mb: roundTo(mean(samples.map((s) => s.rssBytes)) / MIB, 2),
    sessions_open: withSessions.length ? withSessions[withSessions.length - 1]!.sessionsOpen! : 0,
    announcements_per_s: announcementRate(samples),
  };
}

/** Announcements received per second over the peer's last run (between its first and last sample of that run), on its own clock. */
function announcementRate(samples: SampleEvent[]): number | null {
  const counted = samples.filter((s) => s.announcementsReceived !== undefined && s.uptimeMs !== undefined);
  // A restart resets the counter and the uptime: each life is a run of its own, and the
  // longest one tells the rate (a life of half a second after a late restart has heard
  // nobody yet, which says nothing of what the peer hears).
  const lives: SampleEvent[][] = [];
  for (let i = 0; i < counted.length; i++) {
    if (i === 0 || counted[i]!.uptimeMs! < counted[i - 1]!.uptimeMs!) lives.push([]);
    lives[lives.length - 1]!.push(counted[i]!);
  }
  const span = (life: SampleEvent[]) => life[life.length - 1]!.uptimeMs! - life[0]!.uptimeMs!;
  const run = lives.filter((life) => life.length >= 2).sort((a, b) => span(b) - span(a))[0];
  if (!run) return null;
  const first = run[0]!;
  const last = run[run.length - 1]!;
  const seconds = (last.uptimeMs! - first.uptimeMs!) / 1000;
  return seconds > 0 ? roundTo((last.announcementsReceived! - first.announcementsReceived!) / seconds, 2) : null;
}
