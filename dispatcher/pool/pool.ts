/**
 * The warm pool and the user → peer assignments.
 *
 * - Keeps `size` vacant peers started ahead of need (spawner.startVacant), refilled in
 *   the background with a backoff when starts fail.
 * - acquire(user) is atomic per user and per peer: the user's entry is set before the
 *   first await, so concurrent logins of one user share one start; a vacant peer is
 *   taken off the list synchronously, so no two users can take the same one. With no
 *   vacant peer left (or a claim that fails), it starts one for the user directly.
 * - rebuild() reads spawner.list() after a restart: a peer that has a user stays that
 *   user's; only peers the spawner reports as vacant, with no user, are ever handed out.
 * - At most `maxUsers` peers are assigned (starting or running); one more user gets a
 *   CapacityError (the login page answers 429).
 */
import type { EventSink, StopReason } from '../events.js';
import type { PeerInstance, Spawner } from '../spawners/spawner.js';

export type Assignment =
  | { state: 'starting'; step: string; sinceMs: number; done: Promise<PeerInstance> }
  | { state: 'ready'; instance: PeerInstance; sinceMs: number }
  | { state: 'failed'; error: string; sinceMs: number };

export interface PoolOptions {
  /** Vacant peers to keep warm (0: none; every login starts a peer). */
  size: number;
  /** Peers assigned at once, over all users. */
  maxUsers: number;
  now: () => number;
  /** Longest wait between failed refills. */
  maxBackoffMs?: number;
}

export class CapacityError extends Error {
  override readonly name = 'CapacityError';
  constructor(readonly maxUsers: number) {
    super(`all ${maxUsers} peers are in use; try again later`);
  }
}

export class PeerPool {
  private readonly vacant: PeerInstance[] = [];
  private readonly assignments = new Map<string, Assignment>();
  private readonly stopping = new Map<string, Promise<void>>();
  private refilling = 0;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly spawner: Spawner,
    private readonly options: PoolOptions,
    private readonly emit: EventSink,
  ) {}

  /** Rebuilds assignments and vacant peers from the spawner (after a restart), then fills the pool. */
  async rebuild(): Promise<void> {
    const instances = await this.spawner.list();
    const now = this.options.now();
    for (const instance of instances) {
      if (instance.state === 'stopped') continue;
      if (instance.user !== undefined) {
        if (this.assignments.has(instance.user)) continue;
        if (instance.state === 'claimed') this.assignments.set(instance.user, { state: 'ready', instance, sinceMs: now });
        // Mid-start when the last dispatcher stopped: startFor is idempotent per user and finishes it.
        else void this.acquire(instance.user, { ignoreCapacity: true }).catch(() => undefined);
      } else if (instance.state === 'vacant' && !this.vacant.some((v) => v.instanceId === instance.instanceId)) {
        this.vacant.push(instance);
      }
    }
    this.emit({ type: 'rebuilt', assigned: [...this.assignments.keys()].sort(), vacant: this.vacant.length });
    this.refill();
  }

  /** The user's assignment, if any. */
  status(user: string): Assignment | undefined {
    return this.assignments.get(user);
  }

  /** Users with a running peer. */
  readyUsers(): string[] {
    return [...this.assignments].filter(([, a]) => a.state === 'ready').map(([user]) => user);
  }

  /** Every user with an assignment (starting, ready or failed). */
  entries(): [string, Assignment][] {
    return [...this.assignments];
  }

  /** Peers assigned now (starting or running): what --max-users counts. */
  get activeCount(): number {
    let n = 0;
    for (const a of this.assignments.values()) if (a.state !== 'failed') n += 1;
    return n;
  }

  get maxUsers(): number {
    return this.options.maxUsers;
  }

  get vacantCount(): number {
    return this.vacant.length;
  }

  /** True when `user` already has a peer (or one starting), or a new one fits under --max-users. */
  canAdmit(user: string): boolean {
    const current = this.assignments.get(user);
    if (current && current.state !== 'failed') return true;
    return this.activeCount + this.stopping.size < this.options.maxUsers;
  }

  /**
   * The user's peer: the running one, the one starting, or a new one (claimed from
   * the pool, else started). Throws CapacityError beyond --max-users.
   */
  acquire(user: string, how: { ignoreCapacity?: boolean } = {}): Promise<PeerInstance> {
    const current = this.assignments.get(user);
    if (current?.state === 'ready') return Promise.resolve(current.instance);
    if (current?.state === 'starting') return current.done;
    if (!how.ignoreCapacity && !this.canAdmit(user)) return Promise.reject(new CapacityError(this.options.maxUsers));
    const entry = { state: 'starting', step: 'waiting for a peer', sinceMs: this.options.now() } as Extract<Assignment, { state: 'starting' }>;
    // Set before the first await: a second login of this user finds it and waits on the same start.
    this.assignments.set(user, entry);
    entry.done = this.bringUp(user, entry);
    // Callers may drop the promise (a login answers before the peer is up); the outcome is in status().
    entry.done.catch(() => undefined);
    return entry.done;
  }

  /** Stops the user's peer (data kept) and forgets the assignment. */
  stop(user: string, reason: StopReason): Promise<void> {
    const pending = this.stopping.get(user);
    if (pending) return pending;
    const current = this.assignments.get(user);
    // Gone at once: a start under way will not be marked ready, and a new login starts afresh (after this stop).
    this.assignments.delete(user);
    const run = (async () => {
      if (current?.state === 'starting') await current.done.catch(() => undefined);
      try {
        await this.spawner.stop(user);
        this.emit({ type: 'stop', user, reason });
      } catch (err) {
        this.emit({ type: 'error', code: 'stop_failed', user, message: messageOf(err) });
        throw err;
      } finally {
        this.stopping.delete(user);
      }
    })();
    this.stopping.set(user, run);
    return run;
  }

  /** Forgets a peer the proxy found gone (its process died): the next visit starts another. */
  forget(user: string, instanceId: string): void {
    const current = this.assignments.get(user);
    if (current?.state === 'ready' && current.instance.instanceId === instanceId) {
      this.assignments.delete(user);
      this.emit({ type: 'stop', user, reason: 'unreachable' });
    }
  }

  /** Starts vacant peers until `size` are vacant or starting. */
  refill(): void {
    while (!this.closed && this.retryTimer === undefined && this.vacant.length + this.refilling < this.options.size) {
      this.refilling += 1;
      this.spawner.startVacant().then(
        (instance) => {
          this.refilling -= 1;
          this.failures = 0;
          // A vacant peer that already has a user is not vacant: never list it for claiming.
          if (instance.user !== undefined) {
            this.emit({ type: 'error', code: 'vacant_has_user', message: `startVacant returned peer ${instance.instanceId} already given to a user; not pooled` });
          } else {
            this.vacant.push(instance);
            this.emit({ type: 'vacant', instanceId: instance.instanceId, vacant: this.vacant.length });
          }
          this.refill();
        },
        (err: unknown) => {
          this.refilling -= 1;
          this.failures += 1;
          const delay = Math.min(this.options.maxBackoffMs ?? 30_000, 250 * 2 ** Math.min(this.failures, 10));
          this.emit({ type: 'error', code: 'pool_start_failed', message: `${messageOf(err)}; retrying in ${delay} ms` });
          if (this.closed || this.retryTimer) return;
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.refill();
          }, delay);
          this.retryTimer.unref();
        },
      );
    }
  }

  /** Stops refilling. Peers keep running: a restarted dispatcher finds them with rebuild(). */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async bringUp(user: string, entry: Extract<Assignment, { state: 'starting' }>): Promise<PeerInstance> {
    const started = this.options.now();
    try {
      // A stop of this user's previous peer still under way finishes first: the spawner sees one thing at a time per user.
      await this.stopping.get(user)?.catch(() => undefined);
      let instance: PeerInstance | undefined;
      let fromPool = false;
      // Synchronous take: between here and the claim no other login can see this peer.
      const vacant = this.vacant.shift();
      if (vacant) {
        this.refill();
        entry.step = 'claiming a warm peer';
        try {
          instance = checkOwner(await this.spawner.claim(vacant.instanceId, user), user);
          // The spawner may answer with the peer the user already had; the vacant one is then still vacant.
          if (instance.instanceId !== vacant.instanceId) this.vacant.push(vacant);
          fromPool = instance.instanceId === vacant.instanceId;
          this.emit({ type: 'claim', user, instanceId: instance.instanceId, ms: this.options.now() - started });
        } catch (err) {
          this.emit({ type: 'error', code: 'claim_failed', user, message: `claiming ${vacant.instanceId}: ${messageOf(err)}; starting a peer instead` });
        }
      }
      if (!instance) {
        entry.step = 'starting a peer';
        instance = checkOwner(
          await this.spawner.startFor(user, (step) => {
            entry.step = step;
          }),
          user,
        );
      }
      this.emit({ type: 'start', user, instanceId: instance.instanceId, ms: this.options.now() - started, fromPool });
      if (this.assignments.get(user) === entry) this.assignments.set(user, { state: 'ready', instance, sinceMs: this.options.now() });
      return instance;
    } catch (err) {
      const message = messageOf(err);
      this.emit({ type: 'error', code: 'start_failed', user, message });
      if (this.assignments.get(user) === entry) this.assignments.set(user, { state: 'failed', error: message, sinceMs: this.options.now() });
      throw err;
    }
  }
}

/** The spawner must hand back the user's own peer; anything else is refused, never shown to the user. */
function checkOwner(instance: PeerInstance, user: string): PeerInstance {
  if (instance.user !== user) {
    throw new Error(`the spawner returned peer ${instance.instanceId} of ${instance.user ?? 'no user'} for ${user}`);
  }
  return instance;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
