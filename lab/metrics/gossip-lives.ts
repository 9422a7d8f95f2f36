import type { HistoryEvent } from './events.js';

/** [from, to] in ms of run time; `to` is Infinity for a life still going when the run ended. */
export type Life = [number, number];

/**
 * When each peer was up, from its lifecycle events: a life runs from `ready` to `exited`
 * (a peer that is `started` again without an `exited` in between — its old process died
 * unseen — ends its previous life there). Events must be sorted by `t`.
 */
export class Lives {
  private readonly lives = new Map<string, Life[]>();

  constructor(events: readonly HistoryEvent[]) {
    for (const e of events) {
      if (e.type !== 'lifecycle') continue;
      let list = this.lives.get(e.peer);
      if (!list) this.lives.set(e.peer, (list = []));
      const open = list.at(-1);
      if (e.event === 'ready') {
        if (open && open[1] === Infinity) open[1] = e.t;
        list.push([e.t, Infinity]);
      } else if (open && open[1] === Infinity) {
        open[1] = e.t;
      }
    }
  }

  /** Every peer with at least one life. */
  get peers(): string[] {
    return [...this.lives.keys()].filter((p) => (this.lives.get(p) ?? []).length > 0);
  }

  /** Up when the run ended (its last life never ended). */
  upAtEnd(peer: string): boolean {
    return this.lives.get(peer)?.at(-1)?.[1] === Infinity;
  }

  /** Up for all of [from, to]: one life covers it. */
  upThroughout(peer: string, from: number, to: number): boolean {
    return (this.lives.get(peer) ?? []).some(([a, b]) => a <= from && b >= to);
  }

  /** The start of its last life, if any. */
  lastReady(peer: string): number | undefined {
    return this.lives.get(peer)?.at(-1)?.[0];
  }
}
