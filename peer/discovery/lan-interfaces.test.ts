import { describe, expect, it } from 'vitest';
import type { NetworkInterfaceInfo } from 'node:os';
import { lanIPv4Addresses, multicastTtlFor } from './lan-interfaces.js';

const info = (address: string, family: 'IPv4' | 'IPv6', internal: boolean) =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null, scopeid: 0 }) as NetworkInterfaceInfo;

describe('lanIPv4Addresses', () => {
  it('keeps every non-internal IPv4 address, once', () => {
    const interfaces = {
      lo: [info('127.0.0.1', 'IPv4', true), info('::1', 'IPv6', true)],
      eth0: [info('192.168.1.20', 'IPv4', false), info('fe80::1', 'IPv6', false)],
      eth1: [info('10.0.0.5', 'IPv4', false), info('192.168.1.20', 'IPv4', false)],
      down: undefined,
    };
    expect(lanIPv4Addresses(interfaces)).toEqual(['192.168.1.20', '10.0.0.5']);
  });
});

describe('multicastTtlFor', () => {
  it('keeps loopback traffic on the host and LAN traffic on the segment', () => {
    expect(multicastTtlFor('127.0.0.1')).toBe(0);
    expect(multicastTtlFor('192.168.1.20')).toBe(1);
  });
});
