import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { formatMetric } from '../metrics/format.js';
import { slug } from '../report/write-report.js';
import type { RunOutcome } from '../orchestrator/run.js';

/** One line of a sweep: the values it ran with and how it went. */
export interface SweepRow {
  sweep: Record<string, string | number | boolean>;
  outcome: RunOutcome;
}

/** A sweep's runs side by side, as a Markdown table (readable in a terminal too). */
export function renderSweepSummary(scenario: string, rows: readonly SweepRow[], relativeTo: string): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.sweep)))];
  const header = [...keys, 'verdict', 'sent', 'delivery', 'latency p50', 'latency p99', 'discovery', 'max RSS', 'CPU mean', 'report'];
  const body = rows.map(({ sweep, outcome }) => {
    const m = outcome.report.metrics;
    return [
      ...keys.map((k) => String(sweep[k] ?? '')),
      outcome.status === 'pass' ? 'pass' : outcome.status === 'fail' ? 'FAIL' : outcome.status,
      String(m.delivery.sent),
      formatMetric(m.delivery.ratio, 'ratio'),
      formatMetric(m.latency.p50, 'ms'),
      formatMetric(m.latency.p99, 'ms'),
      m.discovery.converged_ms === null ? 'not converged' : formatMetric(m.discovery.converged_ms, 'ms'),
      formatMetric(m.memory.max_rss_mb, 'mb'),
      formatMetric(m.cpu.mean_percent, 'percent'),
      outcome.files ? relative(relativeTo, outcome.files.dir) || '.' : '(not written)',
    ];
  });
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `## Sweep: ${scenario}`,
    '',
    `| ${header.map(cell).join(' | ')} |`,
    `|${header.map((_, i) => (i < keys.length + 1 || i === header.length - 1 ? '---' : '---:')).join('|')}|`,
    ...body.map((r) => `| ${r.map(cell).join(' | ')} |`),
    '',
  ].join('\n');
}

/** Writes the summary as `<outDir>/<scenario>/sweep-<stamp>.md` and returns its path. */
export async function writeSweepSummary(outDir: string, scenario: string, startedAt: Date, text: string): Promise<string> {
  const dir = join(outDir, slug(scenario));
  await mkdir(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const path = join(dir, `sweep-${stamp}.md`);
  await writeFile(path, text);
  return path;
}
