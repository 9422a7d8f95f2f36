import { isIPv4 } from 'node:net';
import { quote } from '../limits.js';

/** Settings of LAN discovery. */
export interface DiscoveryOptions {
  /** IPv4 multicast group (224.0.0.0/4). */
  group: string;
  /** UDP port every peer on the LAN binds and sends to. */
  port: number;
  /** Interval between two announcements, ms. */
  announceEveryMs: number;
  /** A peer not heard for this long is dropped, ms; at least two intervals, so one lost packet is not a departure. */
  expireAfterMs: number;
  /** Interval between re-joins of the group (membership is lost when a network is re-attached), ms. */
  rejoinEveryMs: number;
  /** Join and send only on this local IPv4 address; absent: every non-internal IPv4 interface. */
  interfaceAddress?: string;
}

/** Defaults; 239.255.0.0/16 is the IPv4 organization-local scope (RFC 2365). */
export const DISCOVERY_DEFAULTS: Readonly<Omit<DiscoveryOptions, 'interfaceAddress'>> = Object.freeze({
  group: '239.255.77.77',
  port: 47474,
  announceEveryMs: 1000,
  expireAfterMs: 5000,
  rejoinEveryMs: 10_000,
});

/** Thrown for a discovery setting that cannot work; names the field, the value and why. */
export class DiscoveryOptionsError extends Error {
  constructor(
    readonly field: keyof DiscoveryOptions,
    readonly value: unknown,
    reason: string,
  ) {
    super(`Invalid discovery option ${field}=${quote(value)}: ${reason}`);
    this.name = 'DiscoveryOptionsError';
  }
}

/** True for a dotted-quad IPv4 address in 224.0.0.0/4. */
export function isMulticastGroup(address: string): boolean {
  if (!isIPv4(address)) return false;
  const firstOctet = Number(address.split('.')[0]);
  return firstOctet >= 224 && firstOctet <= 239;
}

/** Merges `partial` over DISCOVERY_DEFAULTS (undefined fields keep the default) and validates the result. */
export function resolveDiscoveryOptions(partial: Partial<DiscoveryOptions> = {}): DiscoveryOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const options: DiscoveryOptions = { ...DISCOVERY_DEFAULTS, ...defined };
  validateDiscoveryOptions(options);
  return options;
}

/** Throws DiscoveryOptionsError for the first setting that cannot work. */
export function validateDiscoveryOptions(o: DiscoveryOptions): void {
  if (!isMulticastGroup(o.group)) {
    throw new DiscoveryOptionsError('group', o.group, 'must be an IPv4 multicast address in 224.0.0.0/4, such as 239.255.77.77');
  }
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) {
    throw new DiscoveryOptionsError('port', o.port, 'must be an integer from 1 to 65535');
  }
  positive('announceEveryMs', o.announceEveryMs);
  positive('expireAfterMs', o.expireAfterMs);
  positive('rejoinEveryMs', o.rejoinEveryMs);
  if (o.expireAfterMs < 2 * o.announceEveryMs) {
    throw new DiscoveryOptionsError(
      'expireAfterMs',
      o.expireAfterMs,
      `must be at least 2 x announceEveryMs (${2 * o.announceEveryMs}), or one lost announcement takes a live peer down`,
    );
  }
  if (o.interfaceAddress !== undefined && !isIPv4(o.interfaceAddress)) {
    throw new DiscoveryOptionsError('interfaceAddress', o.interfaceAddress, 'must be a local IPv4 address, such as 127.0.0.1');
  }
}

function positive(field: 'announceEveryMs' | 'expireAfterMs' | 'rejoinEveryMs', value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new DiscoveryOptionsError(field, value, 'must be a number of milliseconds > 0');
  }
}
