/** Named counters a peer exposes through Stats: drops, rejects, frames, messages. */
export class Counters {
  private readonly values = new Map<string, number>();

  /** Adds `by` (default 1) to the counter `name`. */
  add(name: string, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  /** Sets a counter to a value read from elsewhere (e.g. an adapter's own counters). */
  set(name: string, value: number): void {
    this.values.set(name, value);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  /** A snapshot, sorted by name. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
