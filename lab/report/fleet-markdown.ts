/** report.md's Fleet section: how the peers came up (slow starts named) and what each costs. */
import { formatMetric } from '../metrics/format.js';
import type { FleetMetrics } from '../metrics/types.js';
import { md } from './markdown-text.js';

/** One line about slow starts, for the report and the run's summary; undefined when none was slow. */
export function slowStartLine(fleet: FleetMetrics): string | undefined {
  if (fleet.slow_starts === 0) return undefined;
  const named = fleet.slow.slice(0, 5).map((s) => `${s.peer} ${formatMetric(s.boot_ms, 'ms')}`).join(', ');
  const more = fleet.slow_starts > 5 ? `, … (${fleet.slow_starts})` : '';
  return `slow start: ${fleet.slow_starts} peer${fleet.slow_starts === 1 ? '' : 's'} took over ${formatMetric(fleet.slow[0]!.slow_ms, 'ms')} to come up (${named}${more}); they came up within their ready timeout`;
}

export function fleetMarkdown(fleet: FleetMetrics): string[] {
  const lines = [
    '',
    '### Fleet',
    '',
    '| metric | value |',
    '|---|---:|',
    `| peers per process | ${fleet.peers_per_process} |`,
    `| boot p50 / p99 / max | ${[fleet.boot_p50_ms, fleet.boot_p99_ms, fleet.boot_max_ms].map((v) => formatMetric(v, 'ms')).join(' / ')} |`,
    `| slow starts | ${fleet.slow_starts} |`,
    `| idle CPU per peer | ${fleet.idle_cpu_percent === null ? '— (no step labelled idle)' : `${fleet.idle_cpu_percent} %`} |`,
    `| memory per peer | ${formatMetric(fleet.rss_mb_per_peer, 'mb')} |`,
    `| sessions per peer | ${fleet.sessions_per_peer} |`,
    `| announcements received per peer | ${fleet.announcements_per_s === null ? '—' : formatMetric(fleet.announcements_per_s, 'per_s')} |`,
  ];
  const slow = slowStartLine(fleet);
  if (slow) lines.push('', `- ⚠️ ${md(slow)}`);
  return lines;
}
