/**
 * The scenario file `lab explore` runs and writes: the original scenario's steps (params
 * applied) with a fault schedule inserted during its first load — concrete peers and
 * times — and a settle tail that brings every peer back and checks delivery, so the file
 * is an ordinary scenario that `lab run` validates and runs on any runtime, and fails
 * where the invariant failed.
 */
import { stringify } from 'yaml';
import { parseDuration } from '../scenario/duration.js';
import type { Scenario } from '../scenario/types.js';
import type { Fault } from './faults.js';
import { endStates } from './fault-window.js';
import type { FaultWindow } from './faults.js';

/** wait_for timeouts after the faults are at least this: recovering from a fault is not a latency test. */
export const RECOVERY_TIMEOUT_MS = 60_000;
/**
 * After delivery is checked the run goes on this long: a message shown again on a resend
 * (the outbox resends unacknowledged messages after 5 s) shows up within it.
 */
export const SETTLE_MS = 12_000;
/** The SLOs an explored file keeps: invariants, not the scenario's latency goals (faults are meant to hurt those). */
export const INVARIANT_SLOS = ['delivery.duplicates == 0'];

export interface ExploredFile {
  /** The original scenario as loaded (any seed: its tree is what is rewritten). */
  base: Scenario;
  window: FaultWindow;
  faults: readonly Fault[];
  seed: number;
  /** A line for the description (how the schedule was found). */
  note: string;
}

/** The YAML text of the explored scenario. */
export function exploredScenarioText(file: ExploredFile): string {
  const { base, window, faults, seed } = file;
  const tree: Record<string, unknown> = { ...base.tree };
  delete tree.repeat;
  tree.name = `${base.name}-explore`;
  tree.description = `${file.note}\nFrom ${base.file}: its steps with a fault schedule inserted during its first load (step ${window.loadIndex}), then every peer brought back and delivery checked.`;
  tree.seed = seed;
  const raw = (tree.steps as unknown[]).map((step, i) => (i > window.loadIndex ? withRecoveryTimeout(step) : step));
  const gossip = base.steps.some((s) => s.kind === 'load' && s.pattern === 'broadcast');
  tree.steps = [
    ...raw.slice(0, window.loadIndex),
    // The load flows in the background while the schedule's sleeps keep its time.
    backgrounded(raw[window.loadIndex]),
    ...windowSteps(faults, window),
    ...raw.slice(window.loadIndex + 1),
    ...settleSteps(base, gossip),
  ];
  tree.slos = INVARIANT_SLOS;
  return stringify(tree, { lineWidth: 0 });
}

/** The fault window as steps: each fault's begin and end, with sleeps between, lasting the load's duration. */
export function windowSteps(faults: readonly Fault[], window: FaultWindow): unknown[] {
  const marks: Array<{ t: number; end: boolean; step: unknown }> = [];
  for (const f of faults) {
    const [begin, end] = faultSteps(f, window.fleet);
    marks.push({ t: f.atMs, end: false, step: begin });
    if (end) marks.push({ t: f.atMs + f.forMs, end: true, step: end });
  }
  // In time order; at one instant a fault ends before the next begins.
  marks.sort((a, b) => a.t - b.t || Number(b.end) - Number(a.end));
  const steps: unknown[] = [];
  let now = 0;
  for (const mark of marks) {
    if (mark.t > now) steps.push({ sleep: { duration: exact(mark.t - now) } });
    now = Math.max(now, mark.t);
    steps.push(mark.step);
  }
  if (window.durationMs > now) steps.push({ sleep: { duration: exact(window.durationMs - now), label: 'explore: rest of the load' } });
  return steps;
}

/** The step that begins `f` and the one that undoes it (none for a bounce). */
function faultSteps(f: Fault, fleet: number): [unknown, unknown?] {
  const label = `explore: ${f.kind}`;
  switch (f.kind) {
    case 'kill':
      return [{ kill: { peers: f.peers, label } }, { restart: { peers: f.peers, label: 'explore: back from kill' } }];
    case 'restart':
      return [{ restart: { peers: f.peers, label } }];
    case 'pause':
      return [{ pause: { peers: f.peers, label } }, { unpause: { peers: f.peers, label: 'explore: unpause' } }];
    case 'partition': {
      const rest = Array.from({ length: fleet }, (_, i) => i).filter((p) => !f.peers.includes(p));
      return [{ partition: { groups: [f.peers, rest], label } }, { heal: { label: 'explore: heal' } }];
    }
    case 'loss':
      return [{ link: { peers: f.peers, loss: f.loss, label } }, { link: { peers: f.peers, label: 'explore: loss ends' } }];
  }
}

/** Every peer back up, then every message delivered (group messages shown everywhere), then time for late duplicates. */
function settleSteps(base: Scenario, gossip: boolean): unknown[] {
  const { down, paused } = endStates(base.steps);
  const steps: unknown[] = [];
  if (down.length > 0) steps.push({ restart: { peers: down, label: 'explore: every peer back' } });
  if (paused.length > 0) steps.push({ unpause: { peers: paused, label: 'explore: every peer back' } });
  steps.push({ wait_for: { condition: 'delivered', timeout: exact(RECOVERY_TIMEOUT_MS), label: 'explore: every message delivered' } });
  if (gossip) steps.push({ wait_for: { condition: 'gossip_delivered', timeout: exact(RECOVERY_TIMEOUT_MS), label: 'explore: every group message everywhere' } });
  steps.push({ sleep: { duration: exact(SETTLE_MS), label: 'explore: settle (a resend shown twice shows here)' } });
  return steps;
}

/** A `load` step made `background: true`. */
function backgrounded(step: unknown): unknown {
  const body = (step as { load: Record<string, unknown> }).load;
  return { load: { ...body, background: true } };
}

/** A `wait_for` step with its timeout raised to RECOVERY_TIMEOUT_MS when shorter; any other step as it is. */
function withRecoveryTimeout(step: unknown): unknown {
  if (step === null || typeof step !== 'object' || !('wait_for' in step)) return step;
  const body = (step as { wait_for: Record<string, unknown> }).wait_for;
  if (parseDuration(body.timeout) >= RECOVERY_TIMEOUT_MS) return step;
  return { wait_for: { ...body, timeout: exact(RECOVERY_TIMEOUT_MS) } };
}

/** A duration as a scenario writes it, to the millisecond. */
function exact(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
