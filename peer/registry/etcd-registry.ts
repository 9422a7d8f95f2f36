/**
 * etcd as a registry (npm `etcd3`). This peer's entry is the key `<prefix>/<id>`,
 * bound to a lease of `ttlSeconds` that the client keeps alive; its value is
 * {"host", "announcement" (base64 of the signed bytes)}, put again with every
 * announcement so readers always find a fresh one. Others are read with a prefix
 * watch (puts only: a deleted key is silence, and the peer table expires silence).
 * etcd down: writes back off and retry; a lost lease (expired while etcd was out of
 * reach) is replaced by a new lease and a new put; the watch reconnects by itself.
 */
import { ExponentialBackoff, noop } from 'cockatiel';
import { Etcd3, type IKeyValue, type Lease, type Watcher } from 'etcd3';
import type { Counters } from '../counters.js';
import { LatestPublisher } from './latest-publisher.js';
import { MAX_ENTRY_BYTES, type RegistryInbox } from './registry-inbox.js';
import { REGISTRY_BACKOFF, REGISTRY_CALL_TIMEOUT_MS, type OwnEntry, type Registry } from './registry.js';

export interface EtcdRegistryOptions {
  host: string;
  port: number;
  prefix: string;
  ttlSeconds: number;
}

/** The value of an entry: the address to dial beside the peer's own signed bytes. */
export function encodeEtcdValue(host: string, packet: Uint8Array): string {
  return JSON.stringify({ host, announcement: Buffer.from(packet).toString('base64') });
}

/** Takes a value apart; undefined when it is not one this code writes. Never throws. */
export function decodeEtcdValue(value: Buffer): { host: unknown; announcement: Buffer } | undefined {
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { host, announcement } = parsed as Record<string, unknown>;
    if (typeof announcement !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(announcement)) return undefined;
    return { host, announcement: Buffer.from(announcement, 'base64') };
  } catch {
    return undefined;
  }
}

export class EtcdRegistry implements Registry {
  private readonly client: Etcd3;
  private readonly publisher: LatestPublisher;
  private lease: Lease | undefined;
  private watcher: Watcher | undefined;
  private stopped = false;

  constructor(
    private readonly options: EtcdRegistryOptions,
    private readonly own: OwnEntry,
    private readonly inbox: RegistryInbox,
    private readonly counters: Counters,
  ) {
    this.client = new Etcd3({
      hosts: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`,
      dialTimeout: REGISTRY_CALL_TIMEOUT_MS,
      // Our own backoff decides when to write again; the client only reconnects watches, quickly.
      faultHandling: {
        host: () => noop,
        global: noop,
        // etcd3 wants a first backoff state, and calls next() on it for each delay.
        watchBackoff: new ExponentialBackoff({ initialDelay: REGISTRY_BACKOFF.initialMs, maxDelay: REGISTRY_BACKOFF.maxMs / 2 }).next(),
      },
    });
    this.publisher = new LatestPublisher((packet) => this.put(packet), () => this.counters.add('discovery.registry.errors'));
  }

  start(): void {
    this.watch();
  }

  publish(packet: Buffer): void {
    this.publisher.publish(packet);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.publisher.stop();
    await this.watcher?.cancel().catch(() => undefined);
    // Revoking deletes the key at once: the others need not wait for the lease to run out.
    await this.lease?.revoke({ deadline: Date.now() + REGISTRY_CALL_TIMEOUT_MS }).catch(() => undefined);
    this.client.close();
  }

  private get url(): string {
    return `etcd://${this.options.host}:${this.options.port}${this.options.prefix}`;
  }

  private get key(): string {
    return `${this.options.prefix}/${this.own.id}`;
  }

  private async put(packet: Buffer): Promise<void> {
    const lease = (this.lease ??= this.newLease());
    try {
      await lease.put(this.key).value(encodeEtcdValue(this.own.host, packet)).options({ deadline: Date.now() + REGISTRY_CALL_TIMEOUT_MS });
      this.counters.add('discovery.registry.published');
      this.inbox.reachable(this.url, true);
    } catch (err) {
      this.inbox.reachable(this.url, false);
      // The lease may be gone with the outage; the next put starts over with a new one.
      this.dropLease(lease);
      throw err;
    }
  }

  private newLease(): Lease {
    const lease = this.client.lease(this.options.ttlSeconds, { deadline: Date.now() + REGISTRY_CALL_TIMEOUT_MS });
    lease.on('lost', () => {
      this.counters.add('discovery.registry.leases_lost');
      this.dropLease(lease);
    });
    return lease;
  }

  private dropLease(lease: Lease): void {
    if (this.lease !== lease) return;
    this.lease = undefined;
    lease.release();
  }

  private watch(): void {
    this.client
      .watch()
      .prefix(`${this.options.prefix}/`)
      .only('put')
      .create()
      .then((watcher) => {
        if (this.stopped) return void watcher.cancel().catch(() => undefined);
        this.watcher = watcher;
        watcher.on('put', (kv) => this.onPut(kv));
        watcher.on('disconnected', () => this.counters.add('discovery.registry.errors'));
        watcher.on('error', () => this.counters.add('discovery.registry.errors'));
      })
      .catch(() => {
        this.counters.add('discovery.registry.errors');
        if (!this.stopped) setTimeout(() => this.watch(), REGISTRY_BACKOFF.maxMs).unref();
      });
  }

  private onPut(kv: IKeyValue): void {
    const keyId = kv.key.toString('utf8').slice(this.options.prefix.length + 1);
    if (kv.value.length > MAX_ENTRY_BYTES) return this.inbox.drop('oversized');
    const value = decodeEtcdValue(kv.value);
    if (value === undefined) return this.inbox.drop('bad_entry');
    this.inbox.entry({ keyId, host: value.host, announcement: value.announcement });
  }
}
