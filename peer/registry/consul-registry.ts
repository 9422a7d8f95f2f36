/**
 * Consul as a registry (npm `consul`), through the local agent's documented HTTP API:
 * - PUT /v1/agent/service/register: this peer's service (consul-entry.ts) with a TTL
 *   check, again with every announcement (its Meta carries the newest one);
 * - PUT /v1/agent/check/pass/:check_id: the TTL refresh, after each registration;
 * - PUT /v1/agent/service/deregister/:service_id on stop;
 * - GET /v1/health/service/peerlab?passing=true&index=I&wait=Ws: a blocking query for
 *   the peers whose check passes. Each answer lists everyone; only entries whose
 *   announcement changed since the last answer go on to be checked.
 * Consul down: writes back off and retry; the blocking query retries with backoff and
 * starts over from index 0; the next registration after an outage registers afresh.
 */
import { EventEmitter } from 'node:events';
import Consul from 'consul';
import { Backoff } from '../core/backoff.js';
import type { Counters } from '../counters.js';
import { LIMITS } from '../limits.js';
import { SignedAnnouncement, Announcement } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { announcementFromMeta, announcementMeta, CONSUL_SERVICE, consulCheckId, consulServiceId, peerIdOfService } from './consul-entry.js';
import { LatestPublisher } from './latest-publisher.js';
import type { RegistryInbox } from './registry-inbox.js';
import { REGISTRY_BACKOFF, REGISTRY_CALL_TIMEOUT_MS, type OwnEntry, type Registry } from './registry.js';

export interface ConsulRegistryOptions {
  host: string;
  port: number;
  ttlSeconds: number;
  /** The longest a blocking query waits (Consul's `wait`), ms. */
  waitMs: number;
  /** Shortest gap between two queries: answers come at once while peers re-register. */
  minQueryGapMs: number;
}

/** Consul's minimum for DeregisterCriticalServiceAfter: a crashed peer's service goes after this. */
const DEREGISTER_CRITICAL_AFTER = '1m';

/**
 * The calls used, with the options they take: the package's typings miss some that
 * it passes on (timeout, ctx) or mark optional fields required.
 */
interface ConsulCalls {
  agent: {
    service: { register(o: object): Promise<unknown>; deregister(o: object): Promise<unknown> };
    check: { pass(o: object): Promise<unknown> };
  };
  health: { service(o: object): Promise<unknown> };
}

interface HealthEntry {
  Service?: { ID?: unknown; Address?: unknown; Meta?: unknown };
}

export class ConsulRegistry implements Registry {
  private readonly consul: ConsulCalls;
  private readonly publisher: LatestPublisher;
  private readonly backoff = new Backoff(REGISTRY_BACKOFF, Math.random);
  /** Announcement text per service id from the last answer. */
  private seen = new Map<string, string>();
  private index = '0';
  private stopped = false;
  private readonly cancel = new EventEmitter();

  constructor(
    private readonly options: ConsulRegistryOptions,
    private readonly own: OwnEntry,
    private readonly inbox: RegistryInbox,
    private readonly counters: Counters,
  ) {
    this.consul = new Consul({ host: options.host, port: options.port }) as unknown as ConsulCalls;
    this.publisher = new LatestPublisher((packet) => this.register(packet), () => this.counters.add('discovery.registry.errors'));
  }

  start(): void {
    void this.watch();
  }

  publish(packet: Buffer): void {
    this.publisher.publish(packet);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.publisher.stop();
    this.cancel.emit('cancel');
    await this.consul.agent.service.deregister({ id: consulServiceId(this.own.id), timeout: REGISTRY_CALL_TIMEOUT_MS }).catch(() => undefined);
  }

  private get url(): string {
    return `consul://${this.options.host}:${this.options.port}`;
  }

  private async register(packet: Buffer): Promise<void> {
    try {
      await this.registerOnce(packet);
      this.inbox.reachable(this.url, true);
    } catch (err) {
      this.inbox.reachable(this.url, false);
      throw err;
    }
  }

  private async registerOnce(packet: Buffer): Promise<void> {
    const timeout = REGISTRY_CALL_TIMEOUT_MS;
    await this.consul.agent.service.register({
      id: consulServiceId(this.own.id),
      name: CONSUL_SERVICE,
      address: this.own.host,
      port: grpcPortOf(packet),
      meta: announcementMeta(packet),
      check: { checkid: consulCheckId(this.own.id), name: 'peerlab announcement', ttl: `${this.options.ttlSeconds}s`, status: 'passing', deregistercriticalserviceafter: DEREGISTER_CRITICAL_AFTER },
      timeout,
    });
    await this.consul.agent.check.pass({ id: consulCheckId(this.own.id), timeout });
    this.counters.add('discovery.registry.published');
  }

  private async watch(): Promise<void> {
    let lastQueryAt = -Infinity;
    while (!this.stopped) {
      const gap = lastQueryAt + this.options.minQueryGapMs - performance.now();
      if (gap > 0) await delay(gap);
      if (this.stopped) return;
      lastQueryAt = performance.now();
      try {
        const [response, body] = (await this.consul.health.service({
          service: CONSUL_SERVICE,
          passing: true,
          index: this.index,
          wait: `${Math.ceil(this.options.waitMs / 1000)}s`,
          // Consul adds up to wait/16 of jitter; the call must outlast that.
          timeout: this.options.waitMs * 1.1 + REGISTRY_CALL_TIMEOUT_MS,
          ctx: Object.assign(this.cancel, { includeResponse: true }),
        })) as [{ headers: Record<string, string | undefined> }, unknown];
        this.index = nextIndex(this.index, response.headers['x-consul-index']);
        this.backoff.succeeded('watch');
        this.inbox.reachable(this.url, true);
        this.onAnswer(body);
      } catch {
        if (this.stopped) return;
        this.inbox.reachable(this.url, false);
        this.counters.add('discovery.registry.errors');
        this.index = '0';
        const now = performance.now();
        await delay(this.backoff.failed('watch', now) - now);
      }
    }
  }

  private onAnswer(body: unknown): void {
    if (!Array.isArray(body)) return this.inbox.drop('bad_entry');
    const seen = new Map<string, string>();
    for (const entry of body.slice(0, LIMITS.peerTableSize) as HealthEntry[]) {
      const service = entry?.Service;
      const keyId = peerIdOfService(service?.ID);
      if (keyId === '' || keyId === this.own.id) continue;
      const packet = announcementFromMeta(service?.Meta);
      if (packet === undefined) {
        this.inbox.drop('bad_entry');
        continue;
      }
      const text = packet.toString('base64');
      seen.set(keyId, text);
      if (this.seen.get(keyId) !== text) this.inbox.entry({ keyId, host: service?.Address, announcement: packet });
    }
    this.seen = seen;
  }
}

/** Consul's rules for a blocking query's next index: reset when it went backwards or is not a positive number. */
export function nextIndex(previous: string, header: string | undefined): string {
  if (header === undefined || !/^\d{1,20}$/.test(header)) return '0';
  const next = BigInt(header);
  if (next <= 0n || next < BigInt(previous)) return '0';
  return header;
}

/** The gRPC port in our own announcement, for the service's Port (people read it in Consul's UI). */
function grpcPortOf(packet: Buffer): number {
  return Announcement.decode(SignedAnnouncement.decode(packet).body).grpcPort;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
}
