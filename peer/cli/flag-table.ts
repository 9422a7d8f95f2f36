/** The `peerlab peer` flag table of the README, made from the settings table (see scripts/settings-docs.ts). */
import { SETTINGS } from '../settings.js';
import { defaultText, flagArgument, OUTPUT_FLAGS } from './peer-flags.js';

/** One markdown table row; a `|` inside a cell would end it early. */
export function markdownRow(cells: readonly string[]): string {
  return `|${cells.map((c) => (c === '' ? ' ' : ` ${c.replaceAll('|', '\\|')} `)).join('|')}|`;
}

/** Markdown: one row per flag, in help order. */
export function peerFlagTable(): string {
  const rows: string[][] = [];
  for (const row of SETTINGS) {
    const argument = flagArgument(row);
    const env = row.env === undefined ? '' : ` (also \`${row.env}\`)`;
    rows.push([`\`${row.flag}${argument ? ` ${argument}` : ''}\``, defaultText(row), row.help + env]);
    if (row.off) rows.push([`\`${row.off.flag}\``, '', row.off.help]);
  }
  for (const flag of OUTPUT_FLAGS) rows.push([`\`${flag.flag}\``, flag.defaultText ?? '', flag.help]);
  return ['| flag | default | meaning |', '|---|---|---|', ...rows.map(markdownRow)].join('\n');
}
