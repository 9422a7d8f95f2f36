/** The report.md sections of a repeated run (each run, the spread) and of the baseline. */
import { formatMetric } from '../metrics/format.js';
import { code, md } from './markdown-text.js';
import { spreadRows, textStrip } from './spread.js';
import type { Baseline, Report } from './types.js';

/** Runs (each with its own verdict) and the spread of the gated metrics across them. */
export function repeatMarkdown(report: Report): string[] {
  const { runs, count } = report.repeat;
  const lines = ['', '### Runs', '', '| run | seed | verdict | duration | sent | delivery | latency p50 | latency p99 | why it failed |', '|---:|---:|---|---:|---:|---:|---:|---:|---|'];
  for (const run of runs) {
    const m = run.metrics;
    lines.push(
      `| ${run.index} | ${run.seed} | ${run.verdict === 'pass' ? '✅ pass' : '❌ fail'} | ${formatMetric(run.duration_ms, 'ms')} | ${m.delivery.sent} | ${formatMetric(m.delivery.ratio, 'ratio')} | ${formatMetric(m.latency.p50, 'ms')} | ${formatMetric(m.latency.p99, 'ms')} | ${run.verdict_reasons.map(md).join('; ')} |`,
    );
  }
  const rows = spreadRows(report);
  if (rows.length) {
    lines.push(
      '',
      `### Spread across ${count} runs`,
      '',
      '`o` a run, `+` the median, `=` its confidence interval (with few runs it is [min, max] at the confidence shown).',
      '',
      '| metric | median | interval (confidence) | runs | spread |',
      '|---|---:|---:|---|---|',
    );
    for (const { metric, unit, entry } of rows) {
      const f = (v: number) => formatMetric(v, unit);
      lines.push(`| \`${code(metric)}\` | ${f(entry.median)} | ${f(entry.ci_low)} – ${f(entry.ci_high)} (${Math.round(entry.confidence * 100)} %) | ${entry.values.map(f).join(' · ')} | \`${textStrip(entry)}\` |`);
    }
  }
  return lines;
}

/** The machine baseline: of the whole report, and per run when there are several. */
export function baselineMarkdown(report: Report): string[] {
  const b = report.baseline;
  const lines = [
    '',
    '### Machine baseline',
    '',
    'Measured in the lab process with no peer running, before the first run and after the last: if these moved between two reports, the machine changed, not the code.',
    '',
    '| | value |',
    '|---|---:|',
    `| grpc-js loopback echo p50 / p99 | ${echo(b)} |`,
    `| load average 1 / 5 / 15 min, before → after | ${b.load_avg.before.join(' / ')} → ${b.load_avg.after.join(' / ')} |`,
    `| CPU steal, before → after | ${formatMetric(b.cpu_steal_percent.before, 'percent')} → ${formatMetric(b.cpu_steal_percent.after, 'percent')} |`,
  ];
  if (report.repeat.count > 1) {
    lines.push('', '| run | echo p50 / p99 | load 1 min before → after | CPU steal before → after |', '|---:|---:|---:|---:|');
    for (const run of report.repeat.runs) {
      const r = run.baseline;
      lines.push(`| ${run.index} | ${echo(r)} | ${r.load_avg.before[0]} → ${r.load_avg.after[0]} | ${formatMetric(r.cpu_steal_percent.before, 'percent')} → ${formatMetric(r.cpu_steal_percent.after, 'percent')} |`);
    }
  }
  return lines;
}

function echo(b: Baseline): string {
  return b.grpc_echo.samples ? `${b.grpc_echo.p50_us} µs / ${b.grpc_echo.p99_us} µs (${b.grpc_echo.samples} round trips)` : 'not measured';
}
