/**
 * How many peers boot at once, driven by how fast they become ready (as TCP's congestion
 * window is driven by acks): every quick start lets one more boot at once, a slow start
 * halves the number. A fixed batch is wrong both ways: 8 at a time wastes an idle
 * machine, and on a busy one 8 peers that each need about a second of CPU starve each
 * other past their ready timeout. A halving applies once per round: starts that were
 * already booting when the number was cut do not cut it again.
 */

export interface StartPacerOptions {
  /** Boots at once to begin with. */
  initial: number;
  /** Never more than this at once (files, ports and memory of peers booting together). */
  max: number;
  /** A start at most this long (ms, launch to ready) lets one more boot at once. */
  quickMs: number;
  /** A start at least this long halves the number. */
  slowMs: number;
  /** Monotonic ms; injectable for tests. */
  now?: () => number;
}

export class StartPacer {
  /** Boots allowed at once now. */
  private limitNow: number;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** When the limit was last halved: only starts launched after that may halve it again. */
  private lastCutAt = -Infinity;
  private readonly now: () => number;

  constructor(private readonly options: StartPacerOptions) {
    this.limitNow = Math.max(1, Math.min(options.initial, options.max));
    this.now = options.now ?? (() => performance.now());
  }

  /** Boots allowed at once now. */
  get limit(): number {
    return this.limitNow;
  }

  /** Boots under way now. */
  get active(): number {
    return this.running;
  }

  /** Runs `start` once a slot is free; how long it took (launch to settle) moves the limit. A failed start counts as slow. */
  async run<T>(start: () => Promise<T>): Promise<T> {
    // A waiter is counted as running by whoever wakes it, so one wake never lets in more than the limit.
    if (this.running >= this.limitNow) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    const launchedAt = this.now();
    let ok = false;
    try {
      const result = await start();
      ok = true;
      return result;
    } finally {
      this.running--;
      this.settled(launchedAt, ok ? this.now() - launchedAt : Infinity);
      this.wake();
    }
  }

  private settled(launchedAt: number, tookMs: number): void {
    if (tookMs >= this.options.slowMs) {
      if (launchedAt < this.lastCutAt) return;
      this.limitNow = Math.max(1, Math.floor(this.limitNow / 2));
      this.lastCutAt = this.now();
    } else if (tookMs <= this.options.quickMs) {
      this.limitNow = Math.min(this.options.max, this.limitNow + 1);
    }
  }

  private wake(): void {
    while (this.waiting.length > 0 && this.running < this.limitNow) {
      this.running++;
      this.waiting.shift()!();
    }
  }
}
