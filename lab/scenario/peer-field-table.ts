/** The table of `peer:` fields in lab/scenario/README.md, made from the settings table (see scripts/settings-docs.ts). */
import { markdownRow } from '../../peer/cli/flag-table.js';
import type { Setting } from '../../peer/settings.js';
import { formatDuration } from './duration.js';
import { LAB_PEER_DEFAULTS, SCENARIO_SETTINGS } from './peer-fields.js';

function shown(row: Setting, value: number): string {
  return row.kind === 'duration' ? formatDuration(value) : String(value);
}

/** What a field takes: `duration ≥ 10ms`, `whole number 1–64`. */
function allowed(row: Setting): string {
  const what = row.kind === 'duration' ? 'duration' : row.kind === 'integer' ? 'whole number' : row.kind;
  if (row.min === undefined) return what;
  return row.max === undefined ? `${what} ≥ ${shown(row, row.min)}` : `${what} ${shown(row, row.min)}–${shown(row, row.max)}`;
}

/** Markdown: one row per scenario field, with the flag it becomes and the lab's default (links point into the main README). */
export function peerFieldTable(): string {
  const rows = SCENARIO_SETTINGS.map((row) => {
    const labDefault = (LAB_PEER_DEFAULTS as Record<string, unknown>)[row.name] ?? row.default;
    const shownDefault = typeof labDefault === 'number' ? shown(row, labDefault) : String(labDefault);
    return [`\`${row.scenario}\``, `\`${row.flag}\``, allowed(row), `\`${shownDefault}\``, row.help.replaceAll('](#', '](../../README.md#')];
  });
  return ['| field | flag | value | lab default | meaning |', '|---|---|---|---|---|', ...rows.map(markdownRow)].join('\n');
}
