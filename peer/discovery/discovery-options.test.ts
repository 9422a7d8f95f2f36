import { describe, expect, it } from 'vitest';
import { DISCOVERY_DEFAULTS, DiscoveryOptionsError, isMulticastGroup, resolveDiscoveryOptions, type DiscoveryOptions } from './discovery-options.js';

describe('resolveDiscoveryOptions', () => {
  it('gives the documented defaults, and undefined keeps a default', () => {
    expect(resolveDiscoveryOptions()).toEqual({ group: '239.255.77.77', port: 47474, announceEveryMs: 1000, expireAfterMs: 5000, rejoinEveryMs: 10_000 });
    expect(resolveDiscoveryOptions({ port: undefined, group: '239.1.2.3' })).toEqual({ ...DISCOVERY_DEFAULTS, group: '239.1.2.3' });
  });

  it.each<[Partial<DiscoveryOptions>, keyof DiscoveryOptions, RegExp]>([
    [{ group: '10.0.0.1' }, 'group', /224\.0\.0\.0\/4/],
    [{ group: '240.0.0.1' }, 'group', /224\.0\.0\.0\/4/],
    [{ group: 'not-an-address' }, 'group', /multicast/],
    [{ port: 0 }, 'port', /1 to 65535/],
    [{ port: 70_000 }, 'port', /1 to 65535/],
    [{ port: 1.5 }, 'port', /integer/],
    [{ announceEveryMs: 0 }, 'announceEveryMs', /> 0/],
    [{ announceEveryMs: -5 }, 'announceEveryMs', /> 0/],
    [{ expireAfterMs: 1999 }, 'expireAfterMs', /at least 2 x announceEveryMs \(2000\)/],
    [{ rejoinEveryMs: Number.NaN }, 'rejoinEveryMs', /> 0/],
    [{ interfaceAddress: 'eth0' }, 'interfaceAddress', /IPv4 address/],
  ])('rejects %j, naming %s', (partial, field, reason) => {
    let thrown: unknown;
    try {
      resolveDiscoveryOptions(partial);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DiscoveryOptionsError);
    expect((thrown as DiscoveryOptionsError).field).toBe(field);
    expect((thrown as Error).message).toContain(`Invalid discovery option ${field}=`);
    expect((thrown as Error).message).toMatch(reason);
  });

  it('accepts expire at exactly two intervals', () => {
    expect(resolveDiscoveryOptions({ announceEveryMs: 500, expireAfterMs: 1000 }).expireAfterMs).toBe(1000);
  });

  it('knows the multicast range bounds', () => {
    expect(['224.0.0.0', '239.255.255.255'].map(isMulticastGroup)).toEqual([true, true]);
    expect(['223.255.255.255', '240.0.0.0', '239.1.1', '::1'].map(isMulticastGroup)).toEqual([false, false, false, false]);
  });
});
