import { formatMetric } from '../metrics/format.js';
import type { CompareResult, CompareRow } from './compare.js';
import type { MachineComparison } from './machine.js';
import { escapeMarkdown as esc, markdownTable, signedPercent, textTable, type Align } from './table.js';

const MARK = { better: '▲ better', same: 'same', worse: '▼ worse' } as const;
const MD_MARK = { better: '🟢 better', same: 'same', worse: '🔴 worse' } as const;

/** Renders a comparison as aligned text (for a terminal) or as Markdown (for CI). */
export function formatCompare(result: CompareResult, format: 'text' | 'markdown' = 'text'): string {
  return format === 'markdown' ? markdown(result) : text(result);
}

function changeText(row: CompareRow): string {
  if (row.change === null) return row.base === row.next ? '±0' : 'n/a';
  return signedPercent(row.change);
}

function verdictText(row: CompareRow, marks: Record<CompareRow['verdict'], string>): string {
  return row.test && !row.test.significant ? '~' : marks[row.verdict];
}

function pText(p: number): string {
  return p < 0.0001 ? '<0.0001' : String(Number(p.toPrecision(2)));
}

/** The table's header, alignment and cells; repeated runs add the interval and p. */
function table(r: CompareResult, marks: Record<CompareRow['verdict'], string>): { header: string[]; align: Align[]; rows: string[][] } {
  const tested = r.method === 'test';
  const header = ['metric', 'base', 'next', 'Δ', ...(tested ? ['interval', 'p'] : []), 'verdict', 'note'];
  const align: Align[] = ['l', 'r', 'r', 'r', ...(tested ? (['r', 'r'] as Align[]) : []), 'l', 'l'];
  const rows = r.rows.map((row) => [
    row.metric + (row.gate ? '' : ' (info)'),
    formatMetric(row.base, row.unit),
    formatMetric(row.next, row.unit),
    changeText(row),
    ...(tested ? [row.test?.interval ? `[${signedPercent(row.test.interval.low)}, ${signedPercent(row.test.interval.high)}]` : 'n/a', row.test ? pText(row.test.p) : ''] : []),
    verdictText(row, marks),
    row.note ?? '',
  ]);
  return { header, align, rows };
}

function headline(r: CompareResult): string {
  const worse = r.rows.filter((x) => x.gate && x.verdict === 'worse').map((x) => x.metric);
  return r.regression ? `REGRESSION in ${worse.join(', ')}` : 'no regression';
}

function runs(n: number): string {
  return `${n} run${n === 1 ? '' : 's'}`;
}

/** What the verdicts mean: the method, in a sentence or two. */
function method(r: CompareResult): string[] {
  if (r.method === 'band') {
    const single = [r.base.runs === 1 ? 'BASE' : '', r.next.runs === 1 ? 'NEW' : ''].filter(Boolean).join(' and ');
    return [
      `One run cannot tell noise from change (${single} ${single.includes('and') ? 'have' : 'has'} one run): compared by the noise band ±${Math.round(r.noiseBand * 100)} % and each metric's floor, not by a test. Run both with --repeat 5 or more for a statistical compare.`,
    ];
  }
  const confidences = [...new Set(r.rows.flatMap((row) => (row.test?.interval ? [Math.floor(row.test.interval.confidence * 1000) / 10] : [])))];
  return [
    `Mann–Whitney U on each metric's per-run values (${runs(r.base.runs)} vs ${runs(r.next.runs)}); Holm–Bonferroni over the ${r.family} gated metrics keeps the chance of any false alarm at most ${Math.round(r.alpha * 1000) / 10} %; worse also needs the median to move beyond ±${Math.round(r.minChange * 1000) / 10} % and the metric's floor.`,
    `Δ: change of the medians. interval: ${confidences.length ? `${confidences.join('/')} %` : 'the'} confidence interval of the shift (Hodges–Lehmann), as % of the base median. p: one-sided, toward the change, Holm-adjusted for gated metrics. ~: no significant change.`,
  ];
}

function machineLines(m: MachineComparison, marker: (s: string) => string): string[] {
  return [...m.notes.map(marker), ...m.warnings.map((w) => marker(`warning: ${w}`))];
}

function text(r: CompareResult): string {
  const t = table(r, MARK);
  const machine = r.machine.base || r.machine.next
    ? [...textTable(['machine (noise baseline)', 'base', 'next'], r.machine.rows.map((x) => [x.name, x.base, x.next]), ['l', 'r', 'r']), '']
    : [];
  return [
    `${r.base.scenario} (${r.base.started_at}, ${runs(r.base.runs)}) → ${r.next.scenario} (${r.next.started_at}, ${runs(r.next.runs)})`,
    ...method(r),
    ...r.warnings.map((w) => `warning: ${w}`),
    '',
    ...machine,
    ...machineLines(r.machine, (s) => s),
    ...(machineLines(r.machine, (s) => s).length ? [''] : []),
    ...textTable(t.header, t.rows, t.align),
    '',
    headline(r),
    '',
  ].join('\n');
}

function markdown(r: CompareResult): string {
  const t = table(r, MD_MARK);
  const machine = r.machine.base || r.machine.next
    ? [...markdownTable(['machine (noise baseline)', 'base', 'next'], r.machine.rows.map((x) => [x.name, x.base, x.next]), ['l', 'r', 'r']), '']
    : [];
  return [
    `### ${r.regression ? '🔴' : '🟢'} ${esc(headline(r))}`,
    '',
    `${esc(r.base.scenario)} (${runs(r.base.runs)}) → ${esc(r.next.scenario)} (${runs(r.next.runs)})`,
    '',
    ...method(r).map(esc),
    ...r.warnings.map((w) => `> ⚠️ ${esc(w)}`),
    '',
    ...machine,
    ...machineLines(r.machine, (s) => `> ${s.startsWith('warning: ') ? `⚠️ ${esc(s.slice(9))}` : esc(s)}`),
    '',
    ...markdownTable(t.header, t.rows, t.align),
    '',
  ].join('\n');
}
