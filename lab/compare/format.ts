import { formatMetric } from '../metrics/format.js';
import type { CompareResult, CompareRow } from './compare.js';

const MARK = { better: '▲ better', same: '  same', worse: '▼ worse' } as const;
const MD_MARK = { better: '🟢 better', same: 'same', worse: '🔴 worse' } as const;

/** Renders a comparison as an aligned text table (for a terminal) or as Markdown (for CI). */
export function formatCompare(result: CompareResult, format: 'text' | 'markdown' = 'text'): string {
  return format === 'markdown' ? markdown(result) : text(result);
}

function cells(row: CompareRow): [string, string, string, string] {
  return [row.metric + (row.gate ? '' : ' (info)'), formatMetric(row.base, row.unit), formatMetric(row.next, row.unit), changeText(row)];
}

function changeText(row: CompareRow): string {
  if (row.change === null) return row.base === row.next ? '±0' : 'n/a';
  const pct = row.change * 100;
  return `${pct > 0 ? '+' : ''}${pct.toFixed(Math.abs(pct) < 10 ? 1 : 0)} %`;
}

function headline(r: CompareResult): string {
  const worse = r.rows.filter((x) => x.gate && x.verdict === 'worse').map((x) => x.metric);
  return r.regression ? `REGRESSION in ${worse.join(', ')}` : 'no regression';
}

function text(r: CompareResult): string {
  const header = ['metric', 'base', 'next', 'change', 'verdict'];
  const body = r.rows.map((row) => [...cells(row), MARK[row.verdict]]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cols: string[]) => cols.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [
    `${r.base.scenario} (${r.base.started_at}) → ${r.next.scenario} (${r.next.started_at}), noise band ±${Math.round(r.noiseBand * 100)} %`,
    ...r.warnings.map((w) => `warning: ${w}`),
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    headline(r),
    '',
  ].join('\n');
}

function markdown(r: CompareResult): string {
  const esc = (s: string) => s.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);
  return [
    `### ${r.regression ? '🔴' : '🟢'} ${esc(headline(r))}`,
    '',
    `${esc(r.base.scenario)} → ${esc(r.next.scenario)}, noise band ±${Math.round(r.noiseBand * 100)} %`,
    ...r.warnings.map((w) => `> ⚠️ ${esc(w)}`),
    '',
    '| metric | base | next | change | verdict |',
    '|---|---:|---:|---:|---|',
    ...r.rows.map((row) => `| ${cells(row).map(esc).join(' | ')} | ${MD_MARK[row.verdict]} |`),
    '',
  ].join('\n');
}
