/**
 * When each step is due. Steps are timed like load arrivals: from a schedule, not from
 * when the previous step happened to finish. A `sleep` ends at its scheduled time, so a
 * restart that took 1.1 s shortens the sleep after it instead of pushing every later
 * fault back (two runs with one seed then fault within milliseconds of each other).
 *
 * The schedule starts at the run's start and restarts from now after each step whose
 * length is the product's to decide — `start`, `join`, `wait_for` — since no schedule
 * can say in advance how long discovery takes. Within such a stretch, a step is due at
 * the end of the sleeps and foreground loads before it; faults and other instant steps
 * take no scheduled time, whatever they really take.
 */
import type { Step } from '../scenario/types.js';
import type { LabClock } from './clock.js';
import { delay } from './waiting.js';

/** The steps whose length is the product's: the schedule restarts after them. */
const ANCHORS: ReadonlySet<Step['kind']> = new Set(['start', 'join', 'wait_for']);

export class StepSchedule {
  private cursor: number;

  constructor(private readonly clock: Pick<LabClock, 'now' | 'after'>) {
    this.cursor = clock.now();
  }

  /** When the current step is (was) due, in ms since run start. */
  get due(): number {
    return this.cursor;
  }

  /** A `sleep`: the next step is due `ms` after this one; resolves at that time (at once if it has passed). */
  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.cursor += ms;
    const wait = this.cursor - this.clock.now();
    if (wait > 0) await delay(wait, signal, this.clock);
  }

  /** After `step` ran to its end: moves the schedule on. */
  stepEnded(step: Step): void {
    if (ANCHORS.has(step.kind)) this.cursor = Math.max(this.cursor, this.clock.now());
    else if (step.kind === 'load' && !step.background) this.cursor += step.durationMs;
  }
}
