/**
 * Feeds the core one event at a time and carries out what it returns: keeps
 * the one timer (the core's `wake`), settles user commands (`result`), and
 * hands every other action to `execute`. Events that arrive while actions are
 * being carried out (a stream closing as we close it) wait their turn, so the
 * core is never re-entered.
 */
import type { Clock } from '../clock.js';
import type { Action } from '../core/actions.js';
import type { CoreEvent, Now, Token } from '../core/events.js';
import type { PeerCore } from '../core/peer-core.js';
import { SendError } from '../core/send-error.js';

type Executed = Exclude<Action, { type: 'wake' | 'result' }>;

export class CoreLoop {
  private readonly queue: CoreEvent[] = [];
  private draining = false;
  private deferred: CoreEvent[] = [];
  private flushScheduled = false;
  /** Events that came before `start` (the multicast socket hears peers as soon as it opens). */
  private early: CoreEvent[] | undefined = [];
  private readonly waiting = new Map<Token, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextToken = 1;
  private timer: NodeJS.Timeout | undefined;
  private timerAt: number | undefined;
  private stopped = false;

  constructor(
    private readonly core: PeerCore,
    private readonly clock: Clock,
    private readonly execute: (action: Executed) => void,
  ) {}

  /** Hands an event to the core (now, or after the one being handled). */
  feed(event: CoreEvent): void {
    if (this.early && event.type !== 'start') {
      this.early.push(event);
      return;
    }
    if (this.draining) {
      this.queue.push(event);
      return;
    }
    this.run(this.core.handle(event, this.now()));
    if (event.type === 'start') {
      const early = this.early ?? [];
      this.early = undefined;
      for (const held of early) this.feed(held);
    }
  }

  /**
   * Hands an event to the core together with the others that arrive in this turn of the
   * event loop: store completions, which a group commit settles by the hundred.
   */
  feedSoon(event: CoreEvent): void {
    this.deferred.push(event);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const events = this.deferred;
      this.deferred = [];
      if (this.early) this.early.push(...events);
      else if (this.draining) this.queue.push(...events);
      else this.run(this.core.handleAll(events, this.now()));
    });
  }

  /** Carries out `actions`, then whatever events arrived meanwhile, one at a time. */
  private run(actions: Action[]): void {
    this.draining = true;
    try {
      for (;;) {
        for (let i = 0; i < actions.length; i++) this.carryOut(actions[i]!);
        const next = this.queue.shift();
        if (!next) return;
        actions = this.core.handle(next, this.now());
      }
    } finally {
      this.draining = false;
    }
  }

  /** One object, refilled per event: the core reads `now` only while it handles one (see PeerCore.handle). */
  private readonly clockReading = { monoMs: 0, wallMs: 0 };

  private now(): Now {
    this.clockReading.monoMs = this.clock.monotonic();
    this.clockReading.wallMs = this.clock.now();
    return this.clockReading;
  }

  /** A user command: the core answers it with a `result` for its token. */
  command<T>(event: (token: Token) => CoreEvent): Promise<T> {
    const token = this.nextToken++;
    const promise = new Promise<T>((resolve, reject) => this.waiting.set(token, { resolve: resolve as (value: unknown) => void, reject }));
    this.feed(event(token));
    return promise;
  }

  /** Stops the timer; events fed later are still handled (stores finishing, streams closing). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private carryOut(action: Action): void {
    if (action.type === 'wake') return this.arm(action.atMonoMs);
    if (action.type === 'result') {
      const waiter = this.waiting.get(action.token);
      if (!waiter) return;
      this.waiting.delete(action.token);
      if (action.ok) waiter.resolve(action.value);
      else waiter.reject(commandError(action.error.kind, action.error.message));
      return;
    }
    this.execute(action);
  }

  private arm(at: number | undefined): void {
    // An armed timer that fires no later than asked stays: the core, ticked early, just says
    // when next. Re-arming on every later deadline (each ack moves the outbox's) would churn timers.
    if (this.stopped || (this.timer && this.timerAt !== undefined && (at === undefined || this.timerAt <= at))) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.feed({ type: 'tick' });
    }, Math.max(0, Math.ceil(at - this.clock.monotonic())));
    this.timer.unref();
  }
}

/** The error a failed command rejects with: SendError for bad input, a LimitError (by name) for a full outbox. */
function commandError(kind: 'invalid' | 'limit' | 'error', message: string): Error {
  if (kind === 'invalid') return new SendError(message);
  const error = new Error(message);
  if (kind === 'limit') error.name = 'LimitError';
  return error;
}
