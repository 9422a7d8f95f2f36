/**
 * Drives one load step: fires each scheduled arrival as a Send call on the sender's
 * control API and records the `send` event with the time it was scheduled for, so
 * latency counts from the schedule (open model).
 *
 * Decisions, also in lab/orchestrator/README.md:
 * - The arrival schedule (who → whom, when) depends only on the seed and the step:
 *   `random` picks a sender and a different recipient among every peer started so far,
 *   with a PRNG seeded from the scenario's seed and the step index, whoever is up;
 *   `pairs` cycles through its fixed pairs. Two runs with one seed send the same
 *   messages at the same times, even if a restart took longer in one of them.
 * - A sender that is down (killed, stopped, restarting) cannot take a Send call: the
 *   arrival is skipped and counted in the step's `end` detail, not sent. A recipient that
 *   is down is sent to anyway: the message waits in the sender's outbox and must arrive
 *   after the restart.
 * - A Send call that fails (the sender died under it) is an `error` event and the
 *   message counts as not sent: there is no message id to follow.
 * - `pause_load` skips arrivals that fall due while paused; the schedule keeps its
 *   times and the step still ends `durationMs` after it began.
 */
import { seededRandom } from '../scenario/random.js';
import type { LoadPattern, LoadStep } from '../scenario/types.js';
import { onLabGrid } from './clock.js';
import { arrivalCount, arrivalTime, fillerText, pickPair } from './arrivals.js';
import type { RunContext } from './context.js';
import type { PeerSlot } from './fleet.js';
import { pickAuthor, say } from './gossip.js';

/** The load patterns this driver implements. */
export const SUPPORTED_PATTERNS: readonly LoadPattern[] = ['random', 'pairs', 'broadcast'];

/** What happened to a step's arrivals, for its `end` event. */
export interface LoadTally {
  scheduled: number;
  attempted: number;
  failed: number;
  skipped: { paused: number; sender_down: number; recipient_not_started: number; too_few_peers: number; cut: number };
}

/** One load step's schedule: `start()`, `pause()`/`resume()`, `stop()`; `done` when it is over. */
export class LoadDriver {
  readonly done: Promise<LoadTally>;
  readonly tally: LoadTally = { scheduled: 0, attempted: 0, failed: 0, skipped: { paused: 0, sender_down: 0, recipient_not_started: 0, too_few_peers: 0, cut: 0 } };
  private readonly random: () => number;
  private readonly text: string;
  private readonly streams: number;
  private readonly total: number;
  private begin = 0;
  private next = 0;
  private paused = false;
  private finished = false;
  private cancelTimer: () => void = () => {};
  private resolveDone!: (tally: LoadTally) => void;

  constructor(
    private readonly ctx: RunContext,
    readonly step: LoadStep,
  ) {
    // One PRNG per step, so a background load's picks do not depend on other steps' timing.
    this.random = seededRandom((ctx.scenario.seed + Math.imul(step.index + 1, 0x9e3779b9)) >>> 0);
    this.text = fillerText(step.size);
    this.streams = step.pattern === 'pairs' ? Math.max(1, step.pairs?.length ?? 0) : 1;
    this.total = arrivalCount(step.rate, this.streams, step.durationMs);
    this.tally.scheduled = this.total;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /**
   * Starts the schedule at `begin` (when the step was due; never later than now). Arrivals
   * already due fire at once, each with its own scheduled time.
   */
  start(begin = this.ctx.recorder.now()): void {
    this.begin = Math.min(begin, this.ctx.recorder.now());
    this.tick();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Ends the schedule early (the scenario ended or failed); arrivals not yet due are not sent. */
  stop(): void {
    if (this.finished) return;
    this.tally.skipped.cut = this.total - this.next;
    this.finish();
  }

  private tick(): void {
    if (this.finished) return;
    const now = this.ctx.recorder.now();
    // Catch up on every arrival that is due: a late timer must not thin the load.
    while (this.next < this.total) {
      const at = arrivalTime(this.begin, this.step.rate, this.streams, this.next);
      if (at > now) break;
      this.fire(this.next, at);
      this.next++;
    }
    const due = this.next < this.total ? arrivalTime(this.begin, this.step.rate, this.streams, this.next) : onLabGrid(this.begin + this.step.durationMs);
    if (this.next >= this.total && now >= due) return this.finish();
    this.cancelTimer = this.ctx.recorder.clock.after(Math.max(0, due - now), () => this.tick());
  }

  private finish(): void {
    this.finished = true;
    this.cancelTimer();
    this.resolveDone(this.tally);
  }

  private fire(n: number, scheduledT: number): void {
    // Draw for every arrival, sent or not, so the picks stay the same for a seed.
    const r1 = this.random();
    const r2 = this.random();
    if (this.paused) {
      this.tally.skipped.paused++;
      return;
    }
    if (this.step.pattern === 'broadcast') {
      // Group messages: one of the step's authors, picked whoever is up; a down author means skipped.
      const author = pickAuthor(this.step, this.ctx, r1);
      if (!author) {
        this.tally.skipped.sender_down++;
        return;
      }
      this.tally.attempted++;
      say(this.ctx, this.step, author, this.text, scheduledT, () => this.tally.failed++);
      return;
    }
    const pair = this.pairFor(n, r1, r2);
    if (!pair) {
      this.tally.skipped.too_few_peers++;
      return;
    }
    const [from, to] = pair;
    if (!from.peer || (from.state !== 'up' && from.state !== 'paused')) {
      this.tally.skipped.sender_down++;
      return;
    }
    if (to.id === undefined) {
      this.tally.skipped.recipient_not_started++;
      return;
    }
    this.send(from, to, scheduledT);
  }

  /** Who sends arrival `n` to whom: from the draws and the peers started so far, never from who is up. */
  private pairFor(n: number, r1: number, r2: number): [PeerSlot, PeerSlot] | undefined {
    if (this.step.pattern === 'pairs') {
      const [a, b] = this.step.pairs![n % this.streams]!;
      return [this.ctx.fleet.at(a), this.ctx.fleet.at(b)];
    }
    return pickPair(this.ctx.fleet.slots, r1, r2);
  }

  private send(from: PeerSlot, to: PeerSlot, scheduledT: number): void {
    const { ledger, recorder } = this.ctx;
    this.tally.attempted++;
    ledger.beginSend(from.name);
    from
      .peer!.control.send(to.id!, this.text)
      .then(({ messageId }) => {
        recorder.emit({ type: 'send', id: messageId, from: from.name, to: to.name, scheduledT, size: this.step.size });
      })
      .catch((err: unknown) => {
        this.tally.failed++;
        recorder.emit({ type: 'error', peer: from.name, message: `send to ${to.name} failed, not counted as sent: ${err instanceof Error ? err.message : String(err)}` });
      })
      .finally(() => {
        ledger.endSend(from.name);
        recorder.changed();
      });
  }
}
