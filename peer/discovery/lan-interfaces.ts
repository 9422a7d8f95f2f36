import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/**
 * The local IPv4 addresses a person on a LAN expects discovery to use: every
 * non-internal one (loopback is left out: joining there reaches only this machine).
 */
export function lanIPv4Addresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string[] {
  const addresses = new Set<string>();
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family === 'IPv4' && !info.internal) addresses.add(info.address);
    }
  }
  return [...addresses];
}

/** TTL for multicast sent from `address`: 0 keeps loopback traffic on this host, 1 stays on the LAN segment. */
export function multicastTtlFor(address: string): number {
  return address.startsWith('127.') ? 0 : 1;
}
