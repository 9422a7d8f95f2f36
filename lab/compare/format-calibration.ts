import { formatMetric } from '../metrics/format.js';
import type { Calibration } from './calibrate.js';
import { LARGEST_TRIED, smallestOneSidedP, type Detectable } from './detectable-change.js';
import { markdownTable, textTable, type Align } from './table.js';

/** Renders a calibration as aligned text or Markdown: the table, then what its marks mean. */
export function formatCalibration(c: Calibration, format: 'text' | 'markdown' = 'text'): string {
  const header = ['metric', 'median', 'CV', 'MAD/median', ...c.repeats.map((r) => `${r} runs`), 'note'];
  const align: Align[] = ['l', 'r', 'r', 'r', ...c.repeats.map((): Align => 'r'), 'l'];
  const rows = c.rows.map((row) => [
    row.metric + (row.gate ? '' : ' (info)'),
    formatMetric(row.median, row.unit),
    percent(row.cv),
    percent(row.madOverMedian),
    ...c.repeats.map((_, i) => detectableText(row.detectable[i])),
    row.note ?? '',
  ]);
  const alphaPerTest = c.alpha / c.family;
  const never = c.repeats.filter((r) => smallestOneSidedP(r) > alphaPerTest);
  const legend = [
    `Smallest change toward worse that \`lab compare\` flags in ${Math.round(c.power * 100)} % of compares with that many runs on each side: ${c.simulations} simulated compares per step, drawing both sides from these ${c.runs} runs (bootstrap, seed ${c.seed}); flagged = one-sided Mann–Whitney p ≤ ${Math.round(c.alpha * 1000) / 1000}/${c.family} (Holm's first step over the ${c.family} gated metrics whose runs vary) and the median moved beyond ±${Math.round(c.minChange * 1000) / 10} % and the metric's floor.`,
    ...never.map((r) => `never: ${r} runs against ${r} cannot reach p ≤ ${alphaPerTest.toPrecision(2)} (the smallest one-sided p is 1/${Math.round(1 / smallestOneSidedP(r))}).`),
    '*: set by the practical threshold (±5 % or the floor), not by the noise.',
    `> ${Math.round(LARGEST_TRIED * 100)} %: not caught by any change tried.`,
  ].map((s) => s.replace('±5 %', `±${Math.round(c.minChange * 1000) / 10} %`));
  const title = `calibrate ${c.scenario}: ${c.runs} runs on ${c.runtime}${c.failedRuns ? ` (${c.failedRuns} failed their own SLOs)` : ''}`;
  if (format === 'markdown') return [`### ${title}`, '', ...markdownTable(header, rows, align), '', ...legend.map((l) => `- ${l}`), ''].join('\n');
  return [title, '', ...textTable(header, rows, align), '', ...legend, ''].join('\n');
}

function percent(v: number | null): string {
  return v === null ? 'n/a' : `${Number((v * 100).toFixed(v < 0.1 ? 1 : 0))} %`;
}

function detectableText(d: Detectable | undefined): string {
  if (!d) return '';
  if (d.change === null) return d.why === 'never' ? 'never' : `> ${Math.round(LARGEST_TRIED * 100)} %`;
  return `${Number((d.change * 100).toFixed(1))} %${d.setBy === 'threshold' ? '*' : ''}`;
}

