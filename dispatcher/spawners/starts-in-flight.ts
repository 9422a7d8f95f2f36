import { SpawnerError } from './errors.js';

/**
 * The starts a spawner has under way, so that close() can wait for them: a peer still
 * starting when close() lists what to end is not on that list yet, and would be left
 * running once it came up. After close() begins, a new start is refused.
 */
export class StartsInFlight {
  private readonly running = new Set<Promise<unknown>>();
  private closing = false;

  /** Runs `start` unless closing; close() waits for it. */
  run<T>(start: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new SpawnerError('the spawner is closed: no more peers start'));
    const started = start();
    const tracked = started.catch(() => undefined).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
    return started;
  }

  /** Refuses new starts and waits until every one under way has settled. */
  async close(): Promise<void> {
    this.closing = true;
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
