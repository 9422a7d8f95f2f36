/**
 * Random fault schedules for `lab explore`: drawn from a seed, so the same seed gives the
 * same schedule. Every fault is undone inside the window it is drawn for (a killed peer
 * is restarted, a pause ends, a partition heals, a lossy link is cleared), so the
 * scenario's later steps find the fleet as they would have without it.
 */
import { pickDistinct } from '../scenario/random.js';

export const FAULT_KINDS = ['kill', 'restart', 'pause', 'partition', 'loss'] as const;
export type ExploreFaultKind = (typeof FAULT_KINDS)[number];

/** One fault of a schedule. */
export interface Fault {
  kind: ExploreFaultKind;
  /** When it begins, ms into the fault window. */
  atMs: number;
  /** How long it lasts; 0 for `restart` (a bounce: stopped and started at once). */
  forMs: number;
  /** kill, restart, pause, loss: the one peer; partition: the side cut off from the rest. */
  peers: number[];
  /** loss: the fraction of the peer's packets lost. */
  loss?: number;
}

/** Where faults go: during the scenario's first load. */
export interface FaultWindow {
  /** The index of that load step in the scenario's steps. */
  loadIndex: number;
  durationMs: number;
  /** How many peers have been started when it begins (partitions split these). */
  fleet: number;
  /** The peers up when it begins: the ones a peer fault may hit. */
  up: number[];
}

/** At most this many faults in one schedule (fewer when peers are busy). */
export const MAX_FAULTS = 4;
/** Times are whole multiples of this, so a schedule reads well in a file. */
const GRAIN_MS = 10;

/** Draws a schedule of 1..MAX_FAULTS faults of `kinds` for `window` with `random`. */
export function drawFaults(random: () => number, kinds: readonly ExploreFaultKind[], window: FaultWindow): Fault[] {
  const count = 1 + Math.floor(random() * MAX_FAULTS);
  const faults: Fault[] = [];
  const span = window.durationMs;
  for (let i = 0; i < count; i++) {
    const kind = kinds[Math.floor(random() * kinds.length)]!;
    const atMs = grain(random() * 0.7 * span);
    const forMs = kind === 'restart' ? 0 : Math.min(grain(span * (0.05 + random() * 0.45)), span - atMs);
    const peers = pickPeers(kind, atMs, forMs, faults, window, random);
    if (!peers) continue;
    const fault: Fault = { kind, atMs, forMs, peers };
    if (kind === 'loss') fault.loss = Math.round((0.2 + random() * 0.6) * 100) / 100;
    faults.push(fault);
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}

/** Its peers, or undefined when none is free: one fault per peer at a time, one partition at a time. */
function pickPeers(kind: ExploreFaultKind, atMs: number, forMs: number, earlier: readonly Fault[], window: FaultWindow, random: () => number): number[] | undefined {
  const overlapping = earlier.filter((f) => f.atMs <= atMs + forMs && atMs <= f.atMs + f.forMs);
  if (kind === 'partition') {
    if (window.fleet < 2 || overlapping.some((f) => f.kind === 'partition')) return undefined;
    const everyone = Array.from({ length: window.fleet }, (_, i) => i);
    return pickDistinct(everyone, 1 + Math.floor(random() * Math.floor(window.fleet / 2)), random);
  }
  const busy = new Set(overlapping.filter((f) => f.kind !== 'partition').flatMap((f) => f.peers));
  const free = window.up.filter((p) => !busy.has(p));
  if (free.length === 0) return undefined;
  return [free[Math.floor(random() * free.length)]!];
}

function grain(ms: number): number {
  return Math.round(ms / GRAIN_MS) * GRAIN_MS;
}

/** One line for a schedule: `kill p2 1.2s+0.8s, partition [0,1] 3s+2s`. */
export function describeFaults(faults: readonly Fault[]): string {
  if (faults.length === 0) return 'no faults';
  return faults.map(describeFault).join(', ');
}

export function describeFault(f: Fault): string {
  const who = f.kind === 'partition' ? `[${f.peers.join(',')}]` : `p${f.peers[0]}`;
  const what = f.kind === 'loss' ? `loss ${Math.round((f.loss ?? 0) * 100)}% on ${who}` : `${f.kind} ${who}`;
  return f.forMs > 0 ? `${what} at ${seconds(f.atMs)} for ${seconds(f.forMs)}` : `${what} at ${seconds(f.atMs)}`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 10) / 100}s`;
}

/** `--faults kill,pause`: the kinds, each checked; an unknown one is named with the known ones. */
export function parseFaultKinds(text: string): ExploreFaultKind[] {
  const kinds = text.split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (kinds.length === 0) throw new Error(`expected a comma list of faults (${FAULT_KINDS.join(', ')}), got "${text}"`);
  for (const kind of kinds) {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown fault "${kind}"; faults: ${FAULT_KINDS.join(', ')}`);
  }
  return [...new Set(kinds)] as ExploreFaultKind[];
}
