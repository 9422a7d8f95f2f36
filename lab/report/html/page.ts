import { formatMetric } from '../../metrics/format.js';
import type { Report } from '../types.js';
import { discoveryChart, latencyDistributionChart, latencyOverTimeChart, memoryChart, throughputChart } from './charts.js';
import { esc } from './escape.js';
import { reportNotes } from '../notes.js';
import { gossipSection } from './gossip-section.js';
import { baselineTable, runsTable, spreadChart } from './repeat-section.js';
import { sloTable, perStepTable, peerTable, timelineTable, errorList } from './tables.js';
import { STYLES } from './styles.js';

/** Renders report.html: one self-contained page (inline CSS and SVG, no scripts, no external resources). */
export function renderHtml(report: Report): string {
  const { metrics: m, scenario } = report;
  const count = report.repeat.count;
  const notes = reportNotes(report);
  const params = Object.entries(scenario.params).map(([k, v]) => `<code>${esc(k)}=${esc(v)}</code>`).join(' ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(scenario.name)} · ${report.verdict.toUpperCase()} · peerlab report</title>
<style>${STYLES}</style>
</head>
<body>
<main>
<header class="top">
  <div>
    <div class="kicker">peerlab report</div>
    <h1>${esc(scenario.name)}</h1>
    ${scenario.description ? `<p class="desc">${esc(scenario.description)}</p>` : ''}
    <div class="meta">runtime <code>${esc(report.runtime)}</code> · seed <code>${esc(report.seed)}</code>${count > 1 ? ` · ${count} runs` : ''} · ${esc(formatMetric(report.duration_ms, 'ms'))} · started ${esc(report.started_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))} · <code>${esc(scenario.file)}</code></div>
    ${params ? `<div class="meta">params ${params}</div>` : ''}
  </div>
  <div class="verdict ${report.verdict}">${report.verdict === 'pass' ? 'PASS' : 'FAIL'}</div>
</header>
${report.verdict_reasons.length ? `<ul class="reasons">${report.verdict_reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}
${notes.length ? `<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
${count > 1 ? `<p class="repeat-note">${count} runs. Numbers are the <strong>median across runs</strong>; SLOs are checked on the medians; each run's own verdict is under Runs. Charts below show run 0.</p>` : ''}
${tiles(report)}
<section class="card"><h2>Service-level objectives${count > 1 ? ` <span class="meta">(on the median of ${count} runs)</span>` : ''}</h2>${sloTable(report)}</section>
${count > 1 ? `<section class="card"><h2>Runs</h2>${runsTable(report)}</section>
<section class="card chart-card"><h2>Spread across ${count} runs</h2>${spreadChart(report)}<p>Each dot is a run; the bar is the confidence interval of the median (with few runs [min, max], at the confidence shown); the dark tick is the median.</p></section>` : ''}
${m.gossip ? gossipSection(m.gossip, report.gossip_model) : ''}
<section class="card chart-card"><h2>Throughput</h2>${throughputChart(m)}<p>Messages sent and delivered per second of run time. Dashed lines mark steps; red ones mark faults.</p></section>
<div class="grid2">
  <section class="card chart-card"><h2>Latency distribution</h2>${latencyDistributionChart(m)}<p>From the scheduled send time to delivery (open model), by percentile.</p></section>
  <section class="card chart-card"><h2>Discovery</h2>${discoveryChart(m)}<p>Share of (peer, other) pairs in which the peer has seen the other.</p></section>
</div>
<section class="card chart-card"><h2>Latency over time</h2>${latencyOverTimeChart(m)}<p>Per second of scheduled send time: median, 99th percentile and worst delivery.</p></section>
<section class="card chart-card"><h2>Memory</h2>${memoryChart(m)}<p>Resident set size of each peer process, sampled about once a second.</p></section>
${m.per_step.length ? `<section class="card"><h2>Load steps</h2>${perStepTable(m)}</section>` : ''}
<section class="card"><h2>Peers</h2>${peerTable(m)}</section>
<section class="card"><h2>Timeline</h2>${timelineTable(m)}</section>
${m.errors.count ? `<section class="card"><h2>Errors (${m.errors.count})</h2>${errorList(m)}</section>` : ''}
<section class="card"><h2>Machine baseline</h2>${baselineTable(report)}<p class="meta">Measured in the lab process with no peer running (a raw grpc-js loopback echo, the load average, CPU steal from /proc/stat), before and after each run: if these moved between two reports, the machine changed, not the code.</p></section>
<footer>peerlab ${esc(report.versions.peerlab)} · node ${esc(report.versions.node)} · grpc-js ${esc(report.versions.grpc_js)} · ${esc(report.machine.os)} ${esc(report.machine.release)} ${esc(report.machine.arch)} · ${esc(report.machine.cpus)} × ${esc(report.machine.cpu_model)} · ${esc(Math.round(report.machine.memory_mb / 1024))} GB · ${esc(report.machine.hostname)} · report schema v${report.schemaVersion}</footer>
</main>
</body>
</html>
`;
}

function tiles(report: Report): string {
  const m = report.metrics;
  const tile = (label: string, value: string, sub = '') =>
    `<div class="tile"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div><div class="sub">${esc(sub)}</div></div>`;
  return `<div class="tiles">
${tile('Delivery', formatMetric(m.delivery.ratio, 'ratio'), `${m.delivery.delivered} of ${m.delivery.sent} · ${m.delivery.lost} lost · ${m.delivery.duplicates} dup`)}
${tile('Latency p50', formatMetric(m.latency.p50, 'ms'), `p90 ${formatMetric(m.latency.p90, 'ms')}`)}
${tile('Latency p99', formatMetric(m.latency.p99, 'ms'), `p99.9 ${formatMetric(m.latency.p99_9, 'ms')} · max ${formatMetric(m.latency.max, 'ms')}`)}
${tile('Throughput', formatMetric(m.throughput.mean_delivered_per_s, 'per_s'), `delivered during load · offered ${formatMetric(m.throughput.mean_sent_per_s, 'per_s')}`)}
${tile('Discovery', m.discovery.converged_ms === null ? 'not converged' : formatMetric(m.discovery.converged_ms, 'ms'), `${m.discovery.pairs_discovered} of ${m.discovery.pairs_total} pairs`)}
${tile('Handshake p99', formatMetric(m.handshake.p99_ms, 'ms'), `${m.handshake.count} timed · max ${formatMetric(m.handshake.max_ms, 'ms')}`)}
${tile('Max RSS', formatMetric(m.memory.max_rss_mb, 'mb'), `mean ${formatMetric(m.memory.mean_rss_mb, 'mb')}`)}
${tile('CPU', formatMetric(m.cpu.mean_percent, 'percent'), `mean per peer · max ${formatMetric(m.cpu.max_percent, 'percent')}`)}
</div>`;
}
