import { describe, expect, it } from 'vitest';
import { defaultPeerOptions, rangeText, settingProblem, validatePeerOptions, type PeerOptions } from './options.js';
import { readSetting, writeSetting } from './setting-path.js';
import { SETTINGS, type SettingKind } from './settings.js';

const TYPE_OF_KIND: Record<SettingKind, string> = { integer: 'number', duration: 'number', boolean: 'boolean', string: 'string', address: 'string', endpoint: 'string', list: 'object' };

describe('the settings table', () => {
  const defaults = defaultPeerOptions('alice');

  it.each(SETTINGS.map((row) => [row.name, row] as const))('%s has a flag, help text and a default of its kind that passes its own check', (_name, row) => {
    expect(row.flag).toMatch(/^--[a-z][a-z-]*$/);
    expect(row.help.trim()).not.toBe('');
    const value = readSetting(defaults, row.name);
    // The interface address has no default (every LAN interface): undefined is its default.
    if (value !== undefined) expect(typeof value).toBe(TYPE_OF_KIND[row.kind]);
    if (row.kind === 'integer' || row.kind === 'duration') expect(row.min).toBeDefined();
    expect(settingProblem(row, value, defaults)).toBeUndefined();
  });

  it('has one row per flag and per scenario field; scenario fields are snake_case', () => {
    const flags = SETTINGS.flatMap((row) => [row.flag, ...(row.off ? [row.off.flag] : [])]);
    expect(new Set(flags).size).toBe(flags.length);
    const fields = SETTINGS.flatMap((row) => (row.scenario === undefined ? [] : [row.scenario]));
    expect(new Set(fields).size).toBe(fields.length);
    for (const field of fields) expect(field).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it('gives the defaults the peer has always had', () => {
    expect(defaults).toMatchObject({
      name: 'alice', host: '0.0.0.0', grpcPort: 0, controlHost: '127.0.0.1', controlPort: 0, controlToken: '',
      multicast: { enabled: true, group: '239.255.77.77', port: 47474, interfaceAddress: undefined },
      announceIntervalMs: 1000, expireAfterMs: 5000, announceWindowMs: 30_000, seeds: [], keepaliveMs: 5000,
      handshakeTimeoutMs: 5000, connectionsPerAddress: 64, connectOnDiscovery: false,
      gossip: { fanout: 4, ttl: 8, digestIntervalMs: 1000 },
    });
    expect(defaults.dataDir).toMatch(/\.peerlab[/\\]alice$/);
    expect(validatePeerOptions(defaults)).toBe(defaults);
  });
});

describe('validatePeerOptions', () => {
  const withSetting = (name: (typeof SETTINGS)[number]['name'], value: unknown): PeerOptions => {
    const options = structuredClone(defaultPeerOptions('alice'));
    writeSetting(options, name, value);
    return options;
  };

  const numbers = SETTINGS.filter((row) => row.kind === 'integer' || row.kind === 'duration');
  it.each(numbers.map((row) => [row.flag, row] as const))('refuses %s below its range and a fraction, naming the flag and the range', (flag, row) => {
    // Just below the range, unless that is the row's special value (-1: no control API).
    const below = row.min! - 1 === row.off?.value ? row.min! - 2 : row.min! - 1;
    for (const bad of [below, row.min! + 0.5]) {
      expect(() => validatePeerOptions(withSetting(row.name, bad))).toThrow(`${flag}: must be a whole number${row.kind === 'duration' ? ' of ms' : ''} ${rangeText(row)}, got ${bad}`);
    }
    if (row.max !== undefined) expect(() => validatePeerOptions(withSetting(row.name, row.max! + 1))).toThrow(`${flag}: `);
  });

  it('holds the expiry against the announce interval', () => {
    const options = { ...defaultPeerOptions('alice'), announceIntervalMs: 400, expireAfterMs: 799 };
    expect(() => validatePeerOptions(options)).toThrow('--expire-after: must be at least twice the announce interval (800 ms), got 799');
    expect(validatePeerOptions({ ...options, expireAfterMs: 800 }).expireAfterMs).toBe(800);
  });

  it('takes -1 as "no control API" and no other port out of range', () => {
    expect(validatePeerOptions(withSetting('controlPort', -1)).controlPort).toBe(-1);
    expect(() => validatePeerOptions(withSetting('controlPort', -2))).toThrow('--control-port: must be a whole number from 0 to 65535, got -2');
  });

  it('names bad text values, quoted, and never repeats a token', () => {
    expect(() => validatePeerOptions(withSetting('multicast.group', '10.0.0.1'))).toThrow('--multicast-group: must be an IPv4 multicast address (224.0.0.0–239.255.255.255), got "10.0.0.1"');
    expect(() => validatePeerOptions(withSetting('multicast.interfaceAddress', 'eth0'))).toThrow('--interface: must be the IPv4 address of a local interface, got "eth0"');
    expect(() => validatePeerOptions(withSetting('seeds', ['127.0.0.1:7000', 'nowhere']))).toThrow('--seed: expected host:port, got "nowhere"');
    expect(() => validatePeerOptions(withSetting('name', 'a~b'))).toThrow('--name: "a~b" contains "~"');
    let error: Error | undefined;
    try {
      validatePeerOptions(withSetting('controlToken', 'short-secret'));
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toBe('--control-token: must be at least 16 characters');
  });
});
