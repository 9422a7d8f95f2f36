/**
 * Virtual time: a discrete-event loop over an EventQueue, and the RunClock the
 * orchestrator times a simulated run by. The clock jumps to the next event; nothing
 * waits for wall time.
 *
 * The lab is ordinary async code (promises), so the loop lets it react before time
 * moves on: whenever the simulation told the lab something it may react to (a control
 * call settled, a peer exited, a lab timer fired — `touch()`; a wait settled on a peer's
 * event — `settled()`), the loop yields to the event loop
 * (setImmediate: every promise continuation runs first) before it takes the first event
 * of a later time. The lab's reactions (a Send, the next arrival's timer) are scheduled
 * at the current virtual time, so the order of everything is fixed by the events, never
 * by wall time: the same seed gives the same run.
 */
import { performance } from 'node:perf_hooks';
import type { RunClock } from '../run-clock.js';
import { EventQueue } from './event-queue.js';

/** Wall time the loop may run without yielding when the lab has nothing pending (signals, progress output). */
const MAX_BUSY_MS = 25;

export class SimLoop implements RunClock {
  readonly simulated = true;
  private readonly queue = new EventQueue();
  private time = 0;
  private touched = false;
  private parked: (() => void) | undefined;
  private closed = false;
  private driving: Promise<void> | undefined;
  /** Events run so far. */
  steps = 0;

  /** Virtual milliseconds since the simulation began. */
  now(): number {
    return this.time;
  }

  /** Runs `fn` at virtual time `at` (now, if `at` has passed). */
  at(at: number, fn: () => void): void {
    this.queue.push(at > this.time ? at : this.time, fn);
    if (this.parked) {
      const wake = this.parked;
      this.parked = undefined;
      wake();
    }
  }

  /** A lab timer: runs `fn` after `ms` of virtual time; the lab then gets to react before time moves on. */
  after(ms: number, fn: () => void): () => void {
    let cancelled = false;
    this.at(this.time + Math.max(0, ms), () => {
      if (cancelled) return;
      this.touched = true;
      fn();
    });
    return () => {
      cancelled = true;
    };
  }

  /** The lab was told something it may react to (a command's result, a peer's exit): let it react before virtual time moves on. */
  touch(): void {
    this.touched = true;
  }

  /** RunClock.settled: a lab wait settled on a peer's event. */
  settled(): void {
    this.touched = true;
  }

  /** Starts driving the loop (once). */
  start(): void {
    this.driving ??= this.drive();
  }

  /** Stops the loop; events still queued never run. */
  async close(): Promise<void> {
    this.closed = true;
    this.parked?.();
    await this.driving;
  }

  private async drive(): Promise<void> {
    let sliceStart = performance.now();
    while (!this.closed) {
      if (this.queue.size === 0) {
        await new Promise<void>((resolve) => (this.parked = resolve));
        sliceStart = performance.now();
        continue;
      }
      const next = this.queue.peekTime();
      if (this.touched && next > this.time) {
        this.touched = false;
        await yieldToLab();
        continue;
      }
      this.time = next;
      const run = this.queue.pop();
      try {
        run();
      } catch (err) {
        // As a throw in a real timer callback would: the process hears of it, the loop goes on.
        process.nextTick(() => {
          throw err;
        });
      }
      // Yield now and then so signals and progress output get through; only when the lab
      // has nothing to react to, so where it reacts never depends on wall time.
      if ((++this.steps & 1023) === 0 && !this.touched && performance.now() - sliceStart > MAX_BUSY_MS) {
        await yieldToLab();
        sliceStart = performance.now();
      }
    }
  }
}

/** Lets every pending promise continuation and I/O callback run. */
function yieldToLab(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
