/**
 * What a person sees while a run goes on. On a terminal: one line rewritten in place
 * (step, peers up, messages/s). Otherwise (CI logs, pipes): one line per step, no
 * control characters.
 */
import type { Step } from '../scenario/types.js';

/** The run's state, read for each progress update. */
export interface RunSnapshot {
  /** ms since run start. */
  t: number;
  peersUp: number;
  peersTotal: number;
  sent: number;
  delivered: number;
}

/** How a step ended, for the progress output. */
export interface StepOutcome {
  ms: number;
  /** Why it failed, if it did. */
  failed?: string;
  /** It keeps going in the background (a background load). */
  background?: boolean;
}

export interface Progress {
  /** The run starts; `snapshot` is read whenever the output is refreshed. */
  begin(scenario: string, totalSteps: number, snapshot: () => RunSnapshot): void;
  stepBegan(step: Step): void;
  stepEnded(step: Step, outcome: StepOutcome): void;
  /** The run is over (the report is next). */
  end(): void;
}

/** Progress that prints nothing (tests, library use). */
export const silentProgress: Progress = { begin() {}, stepBegan() {}, stepEnded() {}, end() {} };

/** The progress output that fits `stream`: a live line on a TTY, else one line per step. */
export function progressFor(stream: NodeJS.WritableStream & { isTTY?: boolean }): Progress {
  return stream.isTTY ? new LiveLine(stream) : new StepLines(stream);
}

/** `load 20/s random`, `wait_for discovered`, `kill p1, p3` as people read a step, with its label. */
export function describeStep(step: Step): string {
  const text = stepText(step);
  return step.label && !text.includes(step.label) ? `${text} (${step.label})` : text;
}

function stepText(step: Step): string {
  switch (step.kind) {
    case 'wait_for':
      return `wait_for ${step.condition}`;
    case 'start':
    case 'join':
      return `${step.kind} ${step.count}`;
    case 'kill':
    case 'stop':
    case 'restart':
    case 'pause':
    case 'unpause':
      return `${step.kind} ${step.peers.map((p) => `p${p}`).join(', ')}`;
    case 'load':
      return `load ${step.rate}/s ${step.pattern}${step.background ? ' in background' : ''}`;
    case 'sleep':
      return `sleep ${(step.durationMs / 1000).toFixed(1)} s`;
    default:
      return step.kind;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** One line per step, for logs. */
class StepLines implements Progress {
  private total = 0;
  private snapshot: () => RunSnapshot = () => ({ t: 0, peersUp: 0, peersTotal: 0, sent: 0, delivered: 0 });

  constructor(private readonly out: NodeJS.WritableStream) {}

  begin(scenario: string, totalSteps: number, snapshot: () => RunSnapshot): void {
    this.total = totalSteps;
    this.snapshot = snapshot;
    this.out.write(`${scenario}: ${totalSteps} steps\n`);
  }

  stepBegan(): void {}

  stepEnded(step: Step, outcome: StepOutcome): void {
    const s = this.snapshot();
    const what = outcome.failed ? `FAILED after ${seconds(outcome.ms)}: ${outcome.failed}` : outcome.background ? 'started, runs in the background' : `done in ${seconds(outcome.ms)}`;
    this.out.write(`[${step.index + 1}/${this.total}] ${describeStep(step)}: ${what} · ${s.peersUp}/${s.peersTotal} peers up · ${s.sent} sent, ${s.delivered} delivered\n`);
  }

  end(): void {}
}

/** A status line rewritten with \r about four times a second. */
class LiveLine implements Progress {
  private total = 0;
  private scenario = '';
  private current = '';
  private timer: NodeJS.Timeout | undefined;
  private snapshot: (() => RunSnapshot) | undefined;
  /** Recent (t, sent) readings, for messages/s over about the last second. */
  private readonly recent: Array<{ t: number; sent: number }> = [];

  constructor(private readonly out: NodeJS.WritableStream) {}

  begin(scenario: string, totalSteps: number, snapshot: () => RunSnapshot): void {
    this.scenario = scenario;
    this.total = totalSteps;
    this.snapshot = snapshot;
    this.timer = setInterval(() => this.render(), 250);
    this.timer.unref();
  }

  stepBegan(step: Step): void {
    this.current = `[${step.index + 1}/${this.total}] ${describeStep(step)}`;
    this.render();
  }

  stepEnded(step: Step, outcome: StepOutcome): void {
    if (outcome.failed) {
      this.clear();
      this.out.write(`[${step.index + 1}/${this.total}] ${describeStep(step)}: FAILED after ${seconds(outcome.ms)}: ${outcome.failed}\n`);
    }
    this.render();
  }

  end(): void {
    clearInterval(this.timer);
    this.render();
    this.out.write('\n');
  }

  private clear(): void {
    this.out.write('\r\x1b[K');
  }

  private render(): void {
    if (!this.snapshot) return;
    const s = this.snapshot();
    this.recent.push({ t: s.t, sent: s.sent });
    while (this.recent.length > 2 && s.t - this.recent[0]!.t > 1000) this.recent.shift();
    const first = this.recent[0]!;
    const rate = s.t > first.t ? ((s.sent - first.sent) * 1000) / (s.t - first.t) : 0;
    const line = `${this.scenario} ${this.current} · ${s.peersUp}/${s.peersTotal} up · ${rate.toFixed(1)} msg/s · ${s.sent} sent ${s.delivered} delivered · ${seconds(s.t)}`;
    const width = (this.out as { columns?: number }).columns ?? 120;
    this.clear();
    this.out.write(line.length >= width ? `${line.slice(0, width - 2)}…` : line);
  }
}
