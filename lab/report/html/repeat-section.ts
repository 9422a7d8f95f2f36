/**
 * The report.html parts of a repeated run — each run with its verdict, the spread of
 * the gated metrics (each run a dot, the median's interval a bar) — and the machine
 * baseline and run notes, which every report has.
 */
import { formatMetric } from '../../metrics/format.js';
import { spreadRows, type SpreadRow } from '../spread.js';
import type { Baseline, Report } from '../types.js';
import { esc } from './escape.js';
import { linear } from './scale.js';

/** One row per run: seed, verdict, why it failed, key numbers. */
export function runsTable(report: Report): string {
  const rows = report.repeat.runs.map((run) => {
    const m = run.metrics;
    const pill = run.verdict === 'pass' ? '<span class="pill pass">pass</span>' : '<span class="pill fail">fail</span>';
    return `<tr class="${run.verdict === 'pass' ? '' : 'miss'}"><td class="num">${run.index}</td><td class="num"><code>${esc(run.seed)}</code></td><td>${pill}</td><td class="num">${esc(formatMetric(run.duration_ms, 'ms'))}</td><td class="num">${m.delivery.sent}</td><td class="num">${esc(formatMetric(m.delivery.ratio, 'ratio'))}</td><td class="num">${esc(formatMetric(m.latency.p50, 'ms'))}</td><td class="num">${esc(formatMetric(m.latency.p99, 'ms'))}</td><td>${run.verdict_reasons.map((r) => esc(r)).join('<br>')}</td></tr>`;
  });
  return `<table data-table="runs"><thead><tr><th class="num">run</th><th class="num">seed</th><th>verdict</th><th class="num">duration</th><th class="num">sent</th><th class="num">delivery</th><th class="num">latency p50</th><th class="num">latency p99</th><th>why it failed</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const ROW_H = 30;
const LABEL_W = 210;
const STRIP_W = 460;
const VALUE_W = 230;

/** Each gated metric on its own scale: a dot per run, the median's interval as a bar, the median as a tick. */
export function spreadChart(report: Report): string {
  const rows = spreadRows(report);
  if (rows.length === 0) return '<p class="meta">No gated metric was measured.</p>';
  const width = LABEL_W + STRIP_W + VALUE_W;
  const height = rows.length * ROW_H + 8;
  const body = rows.map((row, i) => spreadRow(row, 4 + i * ROW_H)).join('');
  return `<svg class="chart" data-chart="spread" viewBox="0 0 ${width} ${height}" width="${width}" role="img" aria-label="Spread of each metric across ${report.repeat.count} runs">${body}</svg>`;
}

function spreadRow({ metric, unit, entry }: SpreadRow, top: number): string {
  const lo = Math.min(entry.ci_low, ...entry.values);
  const hi = Math.max(entry.ci_high, ...entry.values);
  const pad = hi > lo ? (hi - lo) * 0.06 : Math.max(Math.abs(hi) * 0.05, 1);
  const x = linear([lo - pad, hi + pad], [LABEL_W + 8, LABEL_W + STRIP_W - 8]);
  const mid = top + ROW_H / 2;
  const f = (v: number) => formatMetric(v, unit);
  const dots = entry.values
    .map((v, run) => `<circle class="run-dot" cx="${x(v).toFixed(1)}" cy="${(mid + jitter(run)).toFixed(1)}" r="4" fill="#4e79a7" fill-opacity=".75"><title>${esc(`run ${run}: ${f(v)}`)}</title></circle>`)
    .join('');
  return `<g data-metric="${esc(metric)}">
<text x="0" y="${mid + 4}" font-size="12">${esc(metric)}</text>
<line class="grid" x1="${LABEL_W}" x2="${LABEL_W + STRIP_W}" y1="${mid}" y2="${mid}"/>
<rect class="ci-bar" x="${x(entry.ci_low).toFixed(1)}" y="${mid - 5}" width="${Math.max(2, x(entry.ci_high) - x(entry.ci_low)).toFixed(1)}" height="10" rx="3" fill="#f28e2b" fill-opacity=".35"><title>${esc(`${Math.round(entry.confidence * 100)} % interval of the median: ${f(entry.ci_low)} – ${f(entry.ci_high)}`)}</title></rect>
<line class="median" x1="${x(entry.median).toFixed(1)}" x2="${x(entry.median).toFixed(1)}" y1="${mid - 9}" y2="${mid + 9}" stroke="#1d2433" stroke-width="2"/>
${dots}
<text class="tick" x="${LABEL_W + STRIP_W + 10}" y="${mid + 4}" font-size="11">${esc(`${f(entry.median)}  [${f(entry.ci_low)} – ${f(entry.ci_high)}, ${Math.round(entry.confidence * 100)} %]`)}</text>
</g>`;
}

/** Runs with the same value would hide each other: nudge them up and down a little. */
function jitter(run: number): number {
  return ((run % 3) - 1) * 3;
}

/** The machine baseline: of the whole report, and per run when there are several. */
export function baselineTable(report: Report): string {
  const rows = [{ label: report.repeat.count > 1 ? 'all runs' : 'this run', b: report.baseline }, ...(report.repeat.count > 1 ? report.repeat.runs.map((r) => ({ label: `run ${r.index}`, b: r.baseline })) : [])];
  const body = rows.map(({ label, b }) => `<tr><td>${esc(label)}</td><td class="num">${esc(echo(b))}</td><td class="num">${esc(b.load_avg.before.join(' / '))} → ${esc(b.load_avg.after.join(' / '))}</td><td class="num">${esc(formatMetric(b.cpu_steal_percent.before, 'percent'))} → ${esc(formatMetric(b.cpu_steal_percent.after, 'percent'))}</td></tr>`);
  const notes = report.baseline.notes?.length ? `<p class="meta">${report.baseline.notes.map((n) => esc(n)).join('<br>')}</p>` : '';
  return `<table data-table="baseline"><thead><tr><th></th><th class="num">grpc-js echo p50 / p99</th><th class="num">load average 1 / 5 / 15 min, before → after</th><th class="num">CPU steal, before → after</th></tr></thead><tbody>${body.join('')}</tbody></table>${notes}`;
}

function echo(b: Baseline): string {
  return b.grpc_echo.samples ? `${b.grpc_echo.p50_us} µs / ${b.grpc_echo.p99_us} µs (${b.grpc_echo.samples})` : 'not measured';
}
