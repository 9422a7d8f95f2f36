/**
 * A scenario's `peer:` mapping, read through the settings table (peer/settings.ts):
 * a field for every setting that has one, plus `args` (extra `peerlab peer` arguments,
 * verbatim), and the lab's own defaults for its peers.
 */
import { defaultPeerOptions, rangeText, settingProblem } from '../../peer/options.js';
import { writeSetting } from '../../peer/setting-path.js';
import { SETTINGS, type ScenarioSettingValues, type Setting } from '../../peer/settings.js';
import { join, type Fields } from './fields.js';
import type { PeerSettings } from './types.js';

type ScenarioSetting = Setting & { scenario: string };

/** The settings a scenario may give, in table order. */
export const SCENARIO_SETTINGS: readonly ScenarioSetting[] = SETTINGS.filter((row): row is ScenarioSetting => row.scenario !== undefined);

/** The fields of `peer:` (snake_case). */
export const PEER_FIELDS: readonly string[] = [...SCENARIO_SETTINGS.map((row) => row.scenario), 'args'];

/**
 * What the lab's peers run with where a scenario says nothing: they announce, expire and
 * ping faster than a person's peer, so a run converges and notices a dead peer in seconds.
 */
export const LAB_PEER_DEFAULTS: ScenarioSettingValues = { announceIntervalMs: 200, expireAfterMs: 1500, keepaliveMs: 1000 };

/** Reads `peer:`; each value is checked as the peer would check it, over the lab's defaults. */
export function readPeerSettings(raw: unknown, f: Fields): PeerSettings {
  if (raw === undefined || raw === null) return {};
  const fields = f.map(raw, 'peer', PEER_FIELDS);
  const values: Record<string, unknown> = {};
  for (const row of SCENARIO_SETTINGS) {
    if (fields[row.scenario] !== undefined) values[row.name] = readValue(row, fields[row.scenario], `peer.${row.scenario}`, f);
  }
  // Rules that relate settings (expire_after ≥ 2 × announce_interval) hold against the values the peers will run with.
  const options = defaultPeerOptions('p0');
  const inForce = { ...LAB_PEER_DEFAULTS, ...values };
  for (const [name, value] of Object.entries(inForce)) writeSetting(options, name as Setting['name'], value);
  for (const row of SCENARIO_SETTINGS) {
    const value = inForce[row.name as keyof typeof inForce];
    if (value === undefined) continue;
    const problem = settingProblem(row, value, options);
    if (problem !== undefined) f.fail(`peer.${row.scenario}`, row.name in values ? problem : `${problem} (the lab's default; set it in the file)`);
  }
  const peer: PeerSettings = values;
  if (fields.args !== undefined) peer.args = f.list(fields.args, 'peer.args', 'command-line arguments').map((a, i) => f.string(a, join('peer.args', i)));
  return peer;
}

function readValue(row: ScenarioSetting, value: unknown, path: string, f: Fields): unknown {
  switch (row.kind) {
    case 'duration':
      return f.duration(value, path);
    case 'integer':
      return f.number(value, path, `a whole number ${rangeText(row)}`, { integer: true, min: row.min, max: row.max });
    case 'boolean':
      return f.boolean(value, path);
    case 'string':
    case 'address':
    case 'endpoint':
      return f.string(value, path);
    case 'list':
      return f.list(value, path, 'values').map((item, i) => f.string(item, join(path, i)));
  }
}
