/**
 * A set of recently seen keys, bounded both in size and in age: the oldest
 * entries go first when it is full, and entries older than `maxAgeMs` are
 * forgotten. Time is passed in; nothing here reads a clock.
 */
export class SeenCache {
  // A Map iterates in insertion order, which is also time order here.
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly capacity: number,
    private readonly maxAgeMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** True if `key` was seen within maxAgeMs. */
  has(key: string, now: number): boolean {
    this.prune(now);
    return this.entries.has(key);
  }

  /** Records `key`; returns false if it was already there (a duplicate). */
  add(key: string, now: number): boolean {
    this.prune(now);
    if (this.entries.has(key)) return false;
    this.entries.set(key, now);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return true;
  }

  private prune(now: number): void {
    for (const [key, at] of this.entries) {
      if (now - at < this.maxAgeMs) break;
      this.entries.delete(key);
    }
  }
}
