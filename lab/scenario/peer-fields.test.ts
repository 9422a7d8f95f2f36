import { describe, expect, it } from 'vitest';
import { labPeerArgs } from '../runtimes/peer-args.js';
import { ScenarioError } from './errors.js';
import { parseScenario } from './parse.js';
import { LAB_PEER_DEFAULTS, PEER_FIELDS, SCENARIO_SETTINGS } from './peer-fields.js';
import type { PeerSettings } from './types.js';

const FILE = 'scenarios/x.yaml';
const STEPS = 'steps:\n  - start: { count: 2 }\n';

function peerOf(peerYaml: string, overrides: Record<string, string> = {}): PeerSettings {
  return parseScenario(`name: t\npeer:\n${peerYaml}\n${STEPS}`, FILE, overrides)[0]!.peer;
}

function problem(peerYaml: string, overrides: Record<string, string> = {}): string {
  try {
    peerOf(peerYaml, overrides);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error('expected a ScenarioError');
}

/** A valid value off the lab's default, as the file writes it and as the peer gets it. */
function sample(row: (typeof SCENARIO_SETTINGS)[number]): { yaml: string; value: number } {
  const base = (LAB_PEER_DEFAULTS as Record<string, number>)[row.name] ?? (row.default as number);
  const value = base + 1 <= (row.max ?? Infinity) ? base + 1 : base - 1;
  // Durations as a scenario writes them, with a unit.
  return { yaml: row.kind === 'duration' ? `${value}ms` : String(value), value };
}

describe('a scenario\'s peer: fields, from the settings table', () => {
  it('has a field for every setting with a scenario name, and args', () => {
    expect(PEER_FIELDS).toEqual([...SCENARIO_SETTINGS.map((row) => row.scenario), 'args']);
    expect(PEER_FIELDS).toEqual(expect.arrayContaining(['announce_interval', 'expire_after', 'keepalive_interval', 'fanout', 'gossip_ttl', 'digest_interval', 'announce_window', 'handshake_timeout', 'connections_per_address']));
  });

  it.each(SCENARIO_SETTINGS.map((row) => [row.scenario, row] as const))('reads %s into the setting and passes it to the peer as its flag', (field, row) => {
    const { yaml, value } = sample(row);
    const peer = peerOf(`  ${field}: ${yaml}`);
    expect(peer).toEqual({ [row.name]: value });
    const args = labPeerArgs(peer);
    expect(args[args.lastIndexOf(row.flag) + 1]).toBe(String(value));
    // The same from the command line.
    expect(peerOf('  args: []', { [`peer.${field}`]: yaml })).toMatchObject({ [row.name]: value });
  });

  it('reads durations with units', () => {
    expect(peerOf('  announce_interval: 250ms\n  expire_after: 2s\n  digest_interval: 0.5s')).toEqual({ announceIntervalMs: 250, expireAfterMs: 2000, 'gossip.digestIntervalMs': 500 });
  });

  it('refuses values the peer would refuse, naming the field and what is allowed', () => {
    expect(problem('  fanout: 65')).toBe('scenarios/x.yaml: peer.fanout: must be a whole number from 1 to 64, got 65');
    expect(problem('  gossip_ttl: lots')).toBe('scenarios/x.yaml: peer.gossip_ttl: must be a whole number from 1 to 16, got "lots"');
    expect(problem('  keepalive_interval: 50ms')).toBe('scenarios/x.yaml: peer.keepalive_interval: must be a whole number of ms ≥ 100, got 50');
    expect(problem('  announce_window: 2h')).toBe('scenarios/x.yaml: peer.announce_window: must be a whole number of ms from 1000 to 3600000, got 7200000');
    expect(problem('', { 'peer.fanout': '0' })).toBe('scenarios/x.yaml: peer.fanout: must be a whole number from 1 to 64, got 0');
  });

  it('holds expire_after against the announce interval in force, the lab\'s default included', () => {
    expect(problem('  announce_interval: 1s\n  expire_after: 1500ms')).toBe(
      'scenarios/x.yaml: peer.expire_after: must be at least twice the announce interval (2000 ms), got 1500',
    );
    expect(problem('  announce_interval: 1s')).toBe(
      "scenarios/x.yaml: peer.expire_after: must be at least twice the announce interval (2000 ms), got 1500 (the lab's default; set it in the file)",
    );
  });
});

describe('labPeerArgs', () => {
  it('gives the lab\'s defaults, then the scenario\'s settings, then args verbatim', () => {
    expect(labPeerArgs({})).toEqual(['--announce-interval', '200', '--expire-after', '1500', '--keepalive', '1000']);
    expect(labPeerArgs({ keepaliveMs: 2000, 'gossip.fanout': 6, args: ['--fanout', '7'] }, true)).toEqual([
      '--announce-interval', '200', '--expire-after', '1500', '--keepalive', '2000', '--connect-on-discovery', '--fanout', '6', '--fanout', '7',
    ]);
  });
});
