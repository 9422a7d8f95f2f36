/** Column alignment: left or right. */
export type Align = 'l' | 'r';

/** An aligned plain-text table: header, a rule of dashes, rows; trailing spaces trimmed. */
export function textTable(header: readonly string[], rows: readonly string[][], align: readonly Align[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cols: readonly string[]) =>
    widths.map((w, i) => (align[i] === 'r' ? (cols[i] ?? '').padStart(w) : (cols[i] ?? '').padEnd(w))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** A Markdown table with escaped cells. */
export function markdownTable(header: readonly string[], rows: readonly string[][], align: readonly Align[]): string[] {
  const row = (cols: readonly string[]) => `| ${cols.map(escapeMarkdown).join(' | ')} |`;
  return [row(header), `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`, ...rows.map(row)];
}

/** Escapes what Markdown would read as table or inline syntax. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);
}

/** A signed percentage: "+30 %", "-4.2 %", "±0". */
export function signedPercent(fraction: number): string {
  const pct = fraction * 100;
  if (pct === 0) return '±0';
  return `${pct > 0 ? '+' : ''}${pct.toFixed(Math.abs(pct) < 10 ? 1 : 0)} %`;
}
