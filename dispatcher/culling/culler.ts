/**
 * Idle culling: every sweep stops the peers that saw no traffic for longer than
 * --idle-timeout (their data is kept; the next login starts them again). Also
 * says when the next one could be culled, which is what a 429 at --max-users
 * gives as Retry-After.
 */
import type { EventSink } from '../events.js';
import type { PeerPool } from '../pool/pool.js';
import type { Activity } from './activity.js';

export interface CullerOptions {
  /** 0: never cull. */
  idleTimeoutMs: number;
  now: () => number;
}

/** Sweep often enough that a peer outlives its timeout by at most a quarter of it (and at most a minute). */
export function sweepIntervalMs(idleTimeoutMs: number): number {
  return Math.min(60_000, Math.max(100, Math.floor(idleTimeoutMs / 4)));
}

export class IdleCuller {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly pool: PeerPool,
    private readonly activity: Activity,
    private readonly options: CullerOptions,
    private readonly emit: EventSink,
    private readonly onCull: (user: string) => void = () => undefined,
  ) {}

  start(): void {
    if (this.options.idleTimeoutMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.sweep(), sweepIntervalMs(this.options.idleTimeoutMs));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** How long `user`'s peer has gone without traffic (since it became ready when it has had none). */
  idleMs(user: string): number | undefined {
    const assignment = this.pool.status(user);
    if (assignment?.state !== 'ready') return undefined;
    const last = Math.max(this.activity.lastMs(user) ?? 0, assignment.sinceMs);
    return Math.max(0, this.options.now() - last);
  }

  /** Stops every peer idle for longer than the timeout; one sweep at a time. */
  sweep(): Promise<void> {
    this.sweeping ??= this.cullIdle().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  /** Milliseconds until the soonest running peer could be culled (for Retry-After); undefined when none can. */
  nextCullInMs(): number | undefined {
    if (this.options.idleTimeoutMs <= 0) return undefined;
    let soonest: number | undefined;
    for (const user of this.pool.readyUsers()) {
      const wait = this.options.idleTimeoutMs - (this.idleMs(user) ?? 0);
      soonest = soonest === undefined ? wait : Math.min(soonest, wait);
    }
    return soonest === undefined ? undefined : Math.max(0, soonest) + sweepIntervalMs(this.options.idleTimeoutMs);
  }

  private async cullIdle(): Promise<void> {
    if (this.options.idleTimeoutMs <= 0) return;
    const idle = this.pool.readyUsers().flatMap((user) => {
      const ms = this.idleMs(user);
      return ms !== undefined && ms > this.options.idleTimeoutMs ? [{ user, ms }] : [];
    });
    await Promise.all(
      idle.map(async ({ user, ms }) => {
        this.emit({ type: 'cull', user, idleMs: ms });
        this.onCull(user);
        await this.pool.stop(user, 'idle').catch(() => undefined);
        this.activity.forget(user);
      }),
    );
  }
}
