import { formatMetric } from '../metrics/format.js';
import { METRIC_PATHS } from '../metrics/metric-paths.js';
import { fleetMarkdown } from './fleet-markdown.js';
import type { LoginMetrics } from '../metrics/types.js';
import { gossipMarkdown } from './gossip-markdown.js';
import { code, md } from './markdown-text.js';
import { reportNotes } from './notes.js';
import { baselineMarkdown, repeatMarkdown } from './repeat-markdown.js';
import type { Report } from './types.js';

/** report.md: a summary a CI job can post (verdict, SLO table, key metrics, environment). */
export function renderMarkdown(report: Report): string {
  const m = report.metrics;
  const { scenario } = report;
  const params = Object.entries(scenario.params).map(([k, v]) => `\`${code(`${k}=${v}`)}\``).join(' ');
  const count = report.repeat.count;
  const lines = [
    `## ${report.verdict === 'pass' ? '✅ PASS' : '❌ FAIL'}: ${md(scenario.name)}`,
    '',
    `\`${code(scenario.file)}\` · runtime \`${code(report.runtime)}\` · seed ${report.seed}${count > 1 ? ` · ${count} runs` : ''} · ${formatMetric(report.duration_ms, 'ms')}${params ? ` · ${params}` : ''}`,
    '',
  ];
  if (count > 1) {
    lines.push(`**${count} runs** (run i with seed deriveSeed(${report.seed}, i)). Metrics are the **median** across runs; **SLOs are checked on the medians**. Each run's own verdict is under Runs.`, '');
  }
  if (report.verdict_reasons.length) lines.push(...report.verdict_reasons.map((r) => `- ${md(r)}`), '');
  const notes = reportNotes(report);
  if (notes.length) lines.push(...notes.map((n) => `- ⚠️ ${md(n)}`), '');
  lines.push('### SLOs', '');
  if (report.slos.length) {
    lines.push(`| | SLO | ${count > 1 ? `median of ${count} runs` : 'actual'} | detail |`, '|---|---|---:|---|');
    for (const s of report.slos) {
      lines.push(`| ${s.pass ? '✅' : '❌'} | \`${code(s.slo)}\` | ${formatMetric(s.actual, METRIC_PATHS[s.metric] ?? 'count')} | ${md(s.message)} |`);
    }
  } else lines.push('_This scenario sets no SLOs._');
  if (count > 1) lines.push(...repeatMarkdown(report));
  lines.push(
    '',
    count > 1 ? `### Key metrics (median of ${count} runs)` : '### Key metrics',
    '',
    '| metric | value |',
    '|---|---:|',
    `| delivery ratio | ${formatMetric(m.delivery.ratio, 'ratio')} (${m.delivery.delivered}/${m.delivery.sent}, ${m.delivery.lost} lost, ${m.delivery.duplicates} duplicates) |`,
    `| latency p50 / p90 / p99 / p99.9 / max | ${[m.latency.p50, m.latency.p90, m.latency.p99, m.latency.p99_9, m.latency.max].map((v) => formatMetric(v, 'ms')).join(' / ')} |`,
    `| throughput (delivered during load) | ${formatMetric(m.throughput.mean_delivered_per_s, 'per_s')} |`,
    `| discovery converged | ${m.discovery.converged_ms === null ? 'not converged' : formatMetric(m.discovery.converged_ms, 'ms')} (${m.discovery.pairs_discovered}/${m.discovery.pairs_total} pairs) |`,
    `| handshake p50 / p99 / max | ${[m.handshake.p50_ms, m.handshake.p99_ms, m.handshake.max_ms].map((v) => formatMetric(v, 'ms')).join(' / ')} |`,
    `| max RSS / mean RSS | ${formatMetric(m.memory.max_rss_mb, 'mb')} / ${formatMetric(m.memory.mean_rss_mb, 'mb')} |`,
    ...(m.login ? [loginRow(m.login)] : []),
    `| CPU mean / max | ${formatMetric(m.cpu.mean_percent, 'percent')} / ${formatMetric(m.cpu.max_percent, 'percent')} |`,
    `| errors | ${m.errors.count} |`,
  );
  if (m.per_step.length) {
    // planned − sent: arrivals skipped (sender down, load paused) or cut (the run ended first).
    lines.push('', '### Load steps', '', '| step | offered | delivered | p50 | p99 | planned | sent | cut |', '|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const s of m.per_step) {
      lines.push(`| ${md(s.label)} | ${formatMetric(s.offered_per_s, 'per_s')} | ${formatMetric(s.delivered_per_s, 'per_s')} | ${formatMetric(s.latency.p50, 'ms')} | ${formatMetric(s.latency.p99, 'ms')} | ${s.planned ?? '—'} | ${formatMetric(s.sent, 'count')} | ${s.cut ?? '—'} |`);
    }
  }
  if (m.gossip) lines.push(...gossipMarkdown(m.gossip, report.gossip_model));
  if (m.fleet) lines.push(...fleetMarkdown(m.fleet));
  lines.push(...baselineMarkdown(report));
  const e = report;
  lines.push(
    '',
    `<sub>peerlab ${md(e.versions.peerlab)} · node ${md(e.versions.node)} · grpc-js ${md(e.versions.grpc_js)} · ${md(e.machine.os)} ${md(e.machine.arch)} · ${e.machine.cpus} CPUs · ${Math.round(e.machine.memory_mb / 1024)} GB · ${md(e.machine.hostname)} · started ${md(e.started_at)}</sub>`,
    '',
  );
  return lines.join('\n');
}

/** Login → ready of a `login` step, with how many logins the warm pool served. */
function loginRow(l: LoginMetrics): string {
  const times = [l.p50_ms, l.p99_ms, l.max_ms].map((v) => formatMetric(v, 'ms')).join(' / ');
  const split = `p50 ${formatMetric(l.from_pool_p50_ms, 'ms')} for the ${l.from_pool} from the pool, ${formatMetric(l.started_p50_ms, 'ms')} for the ${l.count - l.from_pool} started`;
  return `| login → ready p50 / p99 / max (${md(l.spawner)}, pool ${l.pool}) | ${times} (${l.count} logins: ${split}; ${formatMetric(l.memory_per_user_mb, 'mb')} per user) |`;
}
