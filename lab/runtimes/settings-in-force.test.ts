import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.js';
import { SCENARIO_SETTINGS } from '../scenario/peer-fields.js';
import { connectsOnDiscovery, settingsInForce } from './settings-in-force.js';

function scenario(peerYaml: string, steps = '  - start: { count: 2 }\n', overrides: Record<string, string> = {}) {
  return parseScenario(`name: t\n${peerYaml ? `peer:\n${peerYaml}\n` : ''}steps:\n${steps}`, 'scenarios/t.yaml', overrides)[0]!;
}

describe('settingsInForce', () => {
  it('gives every scenario setting and connect-on-discovery its value and who set it: scenario, args, lab or peer', () => {
    const s = scenario("  fanout: 6\n  args: ['--gossip-ttl', '5', '--fanout=7']", undefined, { 'peer.digest_interval': '250ms' });
    const inForce = settingsInForce(s.peer, true);
    expect(Object.keys(inForce)).toEqual([...SCENARIO_SETTINGS.map((row) => row.name), 'connectOnDiscovery']);
    // args come last on the command line, so they win, as in the peer.
    expect(inForce['gossip.fanout']).toEqual({ value: 7, source: 'args', flag: '--fanout', field: 'fanout' });
    expect(inForce['gossip.ttl']).toEqual({ value: 5, source: 'args', flag: '--gossip-ttl', field: 'gossip_ttl' });
    expect(inForce['gossip.digestIntervalMs']).toEqual({ value: 250, source: 'scenario', flag: '--digest-interval', field: 'digest_interval' });
    expect(inForce.announceIntervalMs).toEqual({ value: 200, source: 'lab', flag: '--announce-interval', field: 'announce_interval' });
    expect(inForce.handshakeTimeoutMs).toEqual({ value: 5000, source: 'peer', flag: '--handshake-timeout', field: 'handshake_timeout' });
    expect(inForce.connectOnDiscovery).toEqual({ value: true, source: 'lab', flag: '--connect-on-discovery' });
    expect(settingsInForce({}, false).connectOnDiscovery).toEqual({ value: false, source: 'peer', flag: '--connect-on-discovery' });
  });

  it('records nothing per peer or secret: no ports, data dirs, multicast or control token', () => {
    const inForce = settingsInForce({ args: ['--control-token', 'a-secret-token-of-the-peer'] }, false);
    expect(JSON.stringify(inForce)).not.toContain('a-secret-token');
    expect(Object.keys(inForce).filter((name) => /port|token|data|multicast|host/i.test(name))).toEqual([]);
  });

  it('leaves out args the peer would refuse (it never ran with them)', () => {
    const inForce = settingsInForce({ 'gossip.fanout': 3, args: ['--fanout', 'lots'] }, false);
    expect(inForce['gossip.fanout']).toEqual({ value: 3, source: 'scenario', flag: '--fanout', field: 'fanout' });
  });
});

describe('connectsOnDiscovery', () => {
  const wait = '  - wait_for: { condition: sessions, timeout: 5s }\n';
  const load = '  - load: { rate: 5, duration: 1s }\n';
  const start = (count: number) => `  - start: { count: ${count} }\n`;

  it('is on when a fleet no bigger than a gossip view waits for sessions before any load sends', () => {
    expect(connectsOnDiscovery(scenario('', start(2) + wait + load))).toBe(true);
    expect(connectsOnDiscovery(scenario('', start(9) + wait))).toBe(true);
    expect(connectsOnDiscovery(scenario('', start(2) + load + wait))).toBe(false);
    expect(connectsOnDiscovery(scenario('', start(2) + load))).toBe(false);
  });

  it('is off in a fleet bigger than a view (the views open their sessions, not a full mesh), counting joins and the view size', () => {
    expect(connectsOnDiscovery(scenario('', start(10) + wait + load))).toBe(false);
    expect(connectsOnDiscovery(scenario('', start(5) + '  - join: { count: 5 }\n' + wait + load))).toBe(false);
    expect(connectsOnDiscovery(scenario('  gossip_neighbours: 16', start(10) + wait + load))).toBe(true);
  });
});
