import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { defaultPeerOptions, rangeText, validatePeerOptions, type PeerOptions } from '../options.js';
import { readSetting, writeSetting } from '../setting-path.js';
import { SETTINGS, type Setting, type SettingValues } from '../settings.js';
import { peerCommand } from './peer-command.js';
import { parsePeerArgs, settingArgs } from './peer-flags.js';

/** A valid value other than the default, for every kind of row. */
function otherValue(row: Setting, defaults: PeerOptions): unknown {
  const value = readSetting(defaults, row.name);
  switch (row.kind) {
    case 'integer':
    case 'duration':
      return (value as number) + 1 <= (row.max ?? Infinity) ? (value as number) + 1 : (value as number) - 1;
    case 'boolean':
      return !value;
    case 'string':
      return 'sample-string-value';
    case 'address':
      // An IPv4 multicast address: valid wherever an address goes (bind, group, interface check).
      return '239.1.2.3';
    case 'endpoint':
      return '127.0.0.1:0';
    case 'list':
      // Registries are URLs; every other list (seeds) holds HOST:PORT.
      return row.name === 'registries' ? ['etcd://127.0.0.1:2379/peerlab', 'consul://[::1]:8500'] : ['127.0.0.1:7000', '[::1]:7001'];
  }
}

/** `peerlab peer`'s options on a bare command: parses without starting a peer. */
function parseFlags(args: string[], env: Record<string, string> = {}): PeerOptions {
  const saved = { ...process.env };
  for (const row of SETTINGS) if (row.env !== undefined) delete process.env[row.env];
  Object.assign(process.env, env);
  try {
    return parsePeerArgs(args);
  } finally {
    process.env = saved;
  }
}

describe('peerlab peer flags, from the settings table', () => {
  it('has a flag for every setting (and every off switch), and nothing else but the output flags', () => {
    const longs = peerCommand().options.map((o) => o.long);
    const fromTable = SETTINGS.flatMap((row) => [row.flag, ...(row.off ? [row.off.flag] : [])]);
    expect(longs).toEqual([...fromTable, '--json', '--no-color', '--no-stdin']);
  });

  it('turns every setting into flags and back: settingArgs, then parsing, give the same options', () => {
    const defaults = defaultPeerOptions('alice');
    const changed = structuredClone(defaults);
    for (const row of SETTINGS) writeSetting(changed, row.name, otherValue(row, defaults));
    validatePeerOptions(changed);
    const values = Object.fromEntries(SETTINGS.map((row) => [row.name, readSetting(changed, row.name)])) as SettingValues;
    const args = settingArgs(values);
    for (const row of SETTINGS) expect(args, row.flag).toContain(row.flag);
    expect(parseFlags(args)).toEqual(changed);
  });

  it('keeps every default when no flag is given', () => {
    expect(parseFlags(['--name', 'alice'])).toEqual(defaultPeerOptions('alice'));
    expect(settingArgs({})).toEqual([]);
  });

  it('turns the control API off with --no-control, and takes the token from the environment', () => {
    expect(settingArgs({ controlPort: -1 })).toEqual(['--no-control']);
    expect(parseFlags(['--name', 'a', '--no-control']).controlPort).toBe(-1);
    expect(parseFlags(['--name', 'a'], { PEERLAB_CONTROL_TOKEN: 'from-the-environment' }).controlToken).toBe('from-the-environment');
  });

  const numbers = SETTINGS.filter((row) => row.kind === 'integer' || row.kind === 'duration');
  it.each(numbers.map((row) => [row.flag, row] as const))('%s refuses a word, a fraction and values out of range, naming the flag and the range', async (flag, row) => {
    const bad = ['soon', String(row.min! + 0.5), String(row.min! - 1), ...(row.max === undefined ? [] : [String(row.max + 1)])];
    for (const value of bad) {
      // The real command: it throws (bin/peerlab.ts turns that into exit 64) rather than exiting on its own.
      const parsing = peerCommand().configureOutput({ writeErr: () => {} }).parseAsync(['--name', 'alice', flag, value], { from: 'user' });
      await expect(parsing).rejects.toBeInstanceOf(CommanderError);
      await expect(parsing).rejects.toThrow(`${flag} must be a whole number ${rangeText(row)}, got "${value}"`);
    }
  });
});
