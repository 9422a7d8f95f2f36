/**
 * One operation per key at a time: while one runs for a key, callers for the same key
 * get its promise (20 concurrent logins of one user → one start); a later caller after
 * it settled starts a new one. Different keys run side by side.
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  /** Runs `work` for `key` unless it runs already; then joins it. */
  run(key: string, work: () => Promise<T>): Promise<T> {
    const current = this.running.get(key);
    if (current) return current;
    const started = work().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }

  /** Waits for whatever runs for `key` now (its outcome ignored). */
  async settled(key: string): Promise<void> {
    await this.running.get(key)?.catch(() => undefined);
  }
}
