/** Reads and writes a setting at its place in PeerOptions (`keepaliveMs`, `gossip.fanout`). */
import type { SettingName } from './settings.js';

/** The value at `name` in `options`. */
export function readSetting(options: object, name: SettingName): unknown {
  let at: unknown = options;
  for (const key of name.split('.')) at = (at as Record<string, unknown> | undefined)?.[key];
  return at;
}

/** Sets `name` in `options` (in place), creating its group when missing. */
export function writeSetting(options: object, name: SettingName, value: unknown): void {
  const keys = name.split('.');
  let at = options as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
  at[keys.at(-1)!] = value;
}
