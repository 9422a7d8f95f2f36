import type { Fields } from './fields.js';
import { join } from './fields.js';
import { shown } from './errors.js';
import { pickDistinct } from './random.js';
import type { PeerPick } from './types.js';

/** What a peer is at a point of the timeline. */
export type PeerState = 'up' | 'down' | 'paused';

/** Which peers a step may pick with `random: N`, by step kind. */
const CANDIDATES: Record<string, readonly PeerState[]> = {
  kill: ['up', 'paused'],
  stop: ['up', 'paused'],
  pause: ['up'],
  unpause: ['paused'],
  link: ['up', 'paused'],
  author: ['up', 'paused'],
  restart: ['down'],
};

/**
 * Tracks, while the steps are read in order, how many peers exist and which are up,
 * down or paused. That lets an index be checked against the peers that exist at that
 * step, and `random: N` be resolved at load time from the seed, so the report shows
 * exactly which peers a run killed.
 */
export class Roster {
  private readonly states: PeerState[] = [];

  constructor(
    private readonly fields: Fields,
    private readonly random: () => number,
  ) {}

  /** Adds `count` new running peers (start, join). */
  add(count: number): void {
    for (let i = 0; i < count; i++) this.states.push('up');
  }

  /** Records what a step did to its peers. */
  apply(kind: string, peers: readonly number[]): void {
    const next: PeerState | undefined =
      kind === 'kill' || kind === 'stop' ? 'down'
      : kind === 'restart' || kind === 'unpause' ? 'up'
      : kind === 'pause' ? 'paused'
      : undefined;
    if (next) for (const p of peers) this.states[p] = next;
  }

  /** How many peers have been started so far. */
  get size(): number {
    return this.states.length;
  }

  /**
   * Reads a peer selection: a list of indexes, `all`, or `{ random: N }`; `{ random: "5%" }`
   * picks that share of the peers started so far (at least one), so churn scales with the fleet.
   */
  select(value: unknown, path: string, kind: string): { peers: number[]; pick: PeerPick } {
    if (value === 'all') return { peers: this.states.map((_, i) => i), pick: 'all' };
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const map = this.fields.map(value, path, ['random'], ['random']);
      const n = this.randomCount(map.random, join(path, 'random'));
      return { peers: this.pickRandom(n, join(path, 'random'), kind), pick: 'random' };
    }
    if (!Array.isArray(value) || value.length === 0) {
      this.fields.fail(path, `must be a list of peer indexes (0-based), "all", or { random: N }, got ${shown(value)}`);
    }
    const peers = value.map((v, i) => this.index(v, join(path, i)));
    if (new Set(peers).size !== peers.length) this.fields.fail(path, `lists a peer twice: ${shown(value)}`);
    return { peers: [...peers].sort((a, b) => a - b), pick: 'indexes' };
  }

  /** `N`, or `P%` of the peers started so far, rounded, at least 1. */
  private randomCount(value: unknown, path: string): number {
    const pct = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null;
    if (!pct) return this.fields.count(value, path, 'peers (or a share of them, like "5%")');
    const share = Number(pct[1]);
    if (share <= 0 || share > 100) this.fields.fail(path, `a share of the peers must be above 0% and at most 100%, got ${shown(value)}`);
    return Math.max(1, Math.round((share / 100) * this.states.length));
  }

  /** Reads one peer index that must exist at this step. */
  index(value: unknown, path: string): number {
    const n = this.fields.number(value, path, 'a peer index (a whole number from 0)', { integer: true, min: 0 });
    if (n >= this.states.length) {
      this.fields.fail(path, `peer ${n} does not exist at this step (${this.states.length} started, indexes 0-${this.states.length - 1})`);
    }
    return n;
  }

  private pickRandom(n: number, path: string, kind: string): number[] {
    const wanted = CANDIDATES[kind] ?? ['up', 'paused'];
    let pool = this.indexesIn(wanted);
    // A restart with nothing down bounces running peers instead.
    if (kind === 'restart' && pool.length === 0) pool = this.indexesIn(['up']);
    if (n > pool.length) {
      this.fields.fail(path, `asks for ${n} peers but only ${pool.length} ${pool.length === 1 ? 'is' : 'are'} ${wanted.join(' or ')} at this step`);
    }
    return pickDistinct(pool, n, this.random);
  }

  /** The peers in one of `states` at this point of the timeline. */
  indexesIn(states: readonly PeerState[]): number[] {
    return this.states.flatMap((s, i) => (states.includes(s) ? [i] : []));
  }
}
