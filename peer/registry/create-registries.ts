/** Builds the adapters of `--registry` URLs, with the timings that follow from the peer's settings. */
import type { CoreEvent } from '../core/events.js';
import type { Counters } from '../counters.js';
import { lanIPv4Addresses } from '../discovery/lan-interfaces.js';
import type { PeerOptions } from '../options.js';
import { RegistryInbox } from './registry-inbox.js';
import { parseRegistryUrl } from './registry-url.js';
import type { Registry } from './registry.js';

/**
 * The address written beside the announcement: --registry-address; else --host when it
 * names one address; else the first LAN address (what a peer in a container or on a
 * cloud network is reached at); loopback as the last resort.
 */
export function registryHost(options: PeerOptions): string {
  if (options.registryAddress !== undefined) return options.registryAddress;
  if (options.host !== '0.0.0.0' && options.host !== '::') return options.host;
  return lanIPv4Addresses()[0] ?? '127.0.0.1';
}

/**
 * A registration lives as long as other peers remember a silent peer (--expire-after),
 * in whole seconds and at least 2 (etcd's smallest lease is about 1.5 s).
 */
export function registryTtlSeconds(options: PeerOptions): number {
  return Math.max(2, Math.ceil(options.expireAfterMs / 1000));
}

/**
 * One adapter per URL; the options were validated, so every URL parses. The clients are
 * loaded only when used: etcd3 parses its protos on import (about 0.4 s of CPU), which a
 * peer without a registry should not pay at every start.
 */
export async function createRegistries(options: PeerOptions, selfId: string, counters: Counters, feed: (event: CoreEvent) => void): Promise<Registry[]> {
  if (options.registries.length === 0) return [];
  const inbox = new RegistryInbox(selfId, counters, feed);
  const own = { id: selfId, host: registryHost(options) };
  const ttlSeconds = registryTtlSeconds(options);
  const urls = options.registries.map((text) => {
    const url = parseRegistryUrl(text);
    if ('problem' in url) throw new Error(`--registry ${url.problem}`);
    return url;
  });
  const { EtcdRegistry } = urls.some((u) => u.kind === 'etcd') ? await import('./etcd-registry.js') : { EtcdRegistry: undefined };
  const { ConsulRegistry } = urls.some((u) => u.kind === 'consul') ? await import('./consul-registry.js') : { ConsulRegistry: undefined };
  return urls.map((url) => {
    if (url.kind === 'etcd') return new EtcdRegistry!({ host: url.host, port: url.port, prefix: url.prefix, ttlSeconds }, own, inbox, counters);
    // Half an interval between queries: an answer per interval at most, and no peer goes unheard for one.
    const minQueryGapMs = Math.min(options.announceIntervalMs / 2, 1000);
    return new ConsulRegistry!({ host: url.host, port: url.port, ttlSeconds, waitMs: 30_000, minQueryGapMs }, own, inbox, counters);
  });
}
