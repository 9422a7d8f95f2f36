import { formatMetric } from '../../metrics/format.js';
import { METRIC_PATHS } from '../../metrics/metric-paths.js';
import type { Metrics } from '../../metrics/types.js';
import type { Report } from '../types.js';
import { esc } from './escape.js';

/** SLO table: status, objective, measured value. */
export function sloTable(report: Report): string {
  if (report.slos.length === 0) return '<p class="meta">This scenario sets no SLOs.</p>';
  const rows = report.slos.map((s) => {
    const unit = METRIC_PATHS[s.metric] ?? 'count';
    return `<tr class="${s.pass ? '' : 'miss'}"><td>${s.pass ? '<span class="pill pass">met</span>' : '<span class="pill fail">missed</span>'}</td><td><code>${esc(s.slo)}</code></td><td class="num">${esc(formatMetric(s.actual, unit))}</td><td>${esc(s.message)}</td></tr>`;
  });
  return `<table><thead><tr><th>status</th><th>objective</th><th class="num">actual</th><th>detail</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** One row per load step: offered vs delivered rate and latency. */
export function perStepTable(m: Metrics): string {
  const rows = m.per_step.map(
    (s) => `<tr><td>${esc(s.label)}</td><td class="num">${esc(formatMetric(s.end_ms - s.begin_ms, 'ms'))}</td><td class="num">${esc(s.rate_configured ?? '—')}</td><td class="num">${esc(formatMetric(s.offered_per_s, 'per_s'))}</td><td class="num">${esc(formatMetric(s.delivered_per_s, 'per_s'))}</td><td class="num">${s.delivered} / ${s.sent}</td><td class="num">${esc(formatMetric(s.latency.p50, 'ms'))}</td><td class="num">${esc(formatMetric(s.latency.p99, 'ms'))}</td><td class="num">${esc(formatMetric(s.latency.max, 'ms'))}</td></tr>`,
  );
  return `<table><thead><tr><th>step</th><th class="num">duration</th><th class="num">rate set</th><th class="num">offered</th><th class="num">delivered</th><th class="num">delivered / sent</th><th class="num">p50</th><th class="num">p99</th><th class="num">max</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** One row per peer: discovery, memory, CPU. */
export function peerTable(m: Metrics): string {
  const discovery = new Map(m.discovery.per_peer.map((p) => [p.peer, p]));
  const memory = new Map(m.memory.per_peer.map((p) => [p.peer, p]));
  const cpu = new Map(m.cpu.per_peer.map((p) => [p.peer, p]));
  const rows = m.peers.map((peer) => {
    const d = discovery.get(peer);
    const mem = memory.get(peer);
    const c = cpu.get(peer);
    const conv = !d ? '—' : d.converged_ms === null ? `not converged (${d.seen}/${d.expected})` : formatMetric(d.converged_ms, 'ms');
    return `<tr><td><code>${esc(peer)}</code></td><td class="num">${esc(conv)}</td><td class="num">${esc(mem ? formatMetric(mem.max_rss_mb, 'mb') : '—')}</td><td class="num">${esc(mem ? formatMetric(mem.mean_rss_mb, 'mb') : '—')}</td><td class="num">${esc(mem ? formatMetric(mem.max_heap_mb, 'mb') : '—')}</td><td class="num">${esc(c ? formatMetric(c.mean_percent, 'percent') : '—')}</td><td class="num">${esc(c ? formatMetric(c.max_percent, 'percent') : '—')}</td></tr>`;
  });
  return `<table><thead><tr><th>peer</th><th class="num">discovered all in</th><th class="num">max RSS</th><th class="num">mean RSS</th><th class="num">max heap</th><th class="num">CPU mean</th><th class="num">CPU max</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Steps and faults in time order. */
export function timelineTable(m: Metrics): string {
  const rows = [
    ...m.timeline.steps.map((s) => ({
      t: s.begin_ms,
      html: `<td>step ${s.index}</td><td><code>${esc(s.name)}</code> ${esc(s.label ?? '')}</td><td>${s.failed ? `<span class="bad">failed</span> ${esc(s.detail ?? '')}` : s.end_ms === null ? 'did not end' : `took ${esc(formatMetric(s.end_ms - s.begin_ms, 'ms'))}`}</td>`,
    })),
    ...m.timeline.faults.map((f) => ({
      t: f.t_ms,
      html: `<td class="bad">fault</td><td><code>${esc(f.fault)}</code> ${esc(f.peers.join(', '))}</td><td>${esc(f.mechanism ?? '')}</td>`,
    })),
  ].sort((a, b) => a.t - b.t);
  return `<table><thead><tr><th class="num">at</th><th>kind</th><th>what</th><th>outcome</th></tr></thead><tbody>${rows.map((r) => `<tr><td class="num">${esc(formatMetric(r.t, 'ms'))}</td>${r.html}</tr>`).join('')}</tbody></table>`;
}

/** The run's error messages (first 50). */
export function errorList(m: Metrics): string {
  const more = m.errors.count > m.errors.messages.length ? `<p class="meta">…and ${m.errors.count - m.errors.messages.length} more in history.jsonl</p>` : '';
  return `<table><tbody>${m.errors.messages.map((e) => `<tr><td class="num">${esc(formatMetric(e.t, 'ms'))}</td><td>${esc(e.message)}</td></tr>`).join('')}</tbody></table>${more}`;
}
