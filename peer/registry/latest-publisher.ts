/**
 * Writes this peer's newest announcement to a registry, one write at a time: a
 * newer one replaces one still waiting (only the latest matters), and after a
 * failure the next write waits out a backoff (the registry may be down; every
 * announce interval would otherwise hammer it), then goes ahead by itself.
 */
import { Backoff } from '../core/backoff.js';
import { REGISTRY_BACKOFF } from './registry.js';

const KEY = 'registry';

export class LatestPublisher {
  private latest: Buffer | undefined;
  private busy = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly backoff = new Backoff(REGISTRY_BACKOFF, Math.random);

  constructor(
    private readonly write: (packet: Buffer) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  publish(packet: Buffer): void {
    this.latest = packet;
    this.flush();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private flush(): void {
    if (this.stopped || this.busy || this.latest === undefined) return;
    const now = performance.now();
    if (!this.backoff.mayTry(KEY, now)) {
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = undefined;
        this.flush();
      }, (this.backoff.notBefore(KEY) ?? now) - now).unref();
      return;
    }
    const packet = this.latest;
    this.latest = undefined;
    this.busy = true;
    this.write(packet).then(
      () => this.backoff.succeeded(KEY),
      (err: unknown) => {
        this.backoff.failed(KEY, performance.now());
        this.latest ??= packet;
        if (!this.stopped) this.onError(err);
      },
    ).finally(() => {
      this.busy = false;
      this.flush();
    });
  }
}
