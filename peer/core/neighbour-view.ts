import { randomSample } from './random-sample.js';

/** The peers a view may take: those heard from directly (the peer table's direct entries). */
export interface Candidates {
  has(peerId: string): boolean;
  ids(): Iterable<string>;
}

/**
 * The bounded set of gossip neighbours (HyParView's active view, without its
 * messages): at most `capacity` peers this one pushes group messages to and trades
 * digests with, instead of every peer it knows, so sessions stay near K per peer
 * rather than growing to N.
 *
 * Filling prefers peers that already have a session open with us: a peer that chose
 * us has dialled us, and choosing it back makes views mutual, which halves the
 * sessions. Empty places are filled at random among the peers with a session; once the
 * view is full, a peer that chose us (gossip arrives from it) still gets a place with
 * the odds of a uniform random sample of all that did (reservoir sampling: the i-th
 * one replaces a random neighbour with probability K/i), as HyParView makes room for a
 * peer that joins through it. Without that, views filled by the peers that happened to
 * come up first would stay theirs, and a peer that started later would have nobody
 * pushing to it: its messages would arrive by anti-entropy only, a round at a time. A
 * session opened only for direct messages carries no gossip, so it is no candidate. A new session is dialled for at most one
 * neighbour per refresh, so the sessions of peers that chose us have time to arrive
 * and be preferred. A neighbour whose session goes down, who leaves the peer table, or
 * whose session does not come up within a patience time after it was chosen, is
 * dropped and a refresh replaces it.
 */
export class NeighbourView {
  // Id -> when it was chosen; insertion order, which the digest round goes through in turn.
  private readonly members = new Map<string, number>();
  /** Peers that chose us and were offered a place (the reservoir's stream so far), pruned to the candidates with a session. */
  private readonly offered = new Set<string>();
  private digestTurn = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`NeighbourView capacity must be an integer >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.members.size;
  }

  has(peerId: string): boolean {
    return this.members.has(peerId);
  }

  list(): string[] {
    return [...this.members.keys()];
  }

  /** Drops `peerId` (its session went down, or it left); true if it was a neighbour. */
  drop(peerId: string): boolean {
    return this.members.delete(peerId);
  }

  /**
   * Drops neighbours no longer among `candidates` (the peers heard from directly) or
   * still without a session `patienceMs` after they were chosen, and fills up to
   * capacity: peers with an open session first, picked at random, then at most one more
   * to dial. A peer that chose us (`choseUs`) and was not offered a place before gets
   * one with the odds of a random sample of all that chose us. Returns the neighbours added.
   *
   * Called every digest round: with the view full it looks only at the neighbours and
   * at the peers that chose us (about K each), never at the whole table, so a round
   * costs the same with 10 peers or 10,000.
   */
  refresh(
    candidates: Candidates,
    peer: { hasSession(peerId: string): boolean; choseUs: ReadonlySet<string> },
    random: () => number,
    now: number,
    patienceMs: number,
  ): string[] {
    for (const [id, chosenAt] of this.members) {
      if (!candidates.has(id) || (now - chosenAt >= patienceMs && !peer.hasSession(id))) this.members.delete(id);
    }
    for (const id of this.offered) if (!candidates.has(id) || !peer.hasSession(id)) this.offered.delete(id);
    const added: string[] = [];
    const fresh: string[] = [];
    for (const id of peer.choseUs) {
      if (!this.members.has(id) && !this.offered.has(id) && candidates.has(id) && peer.hasSession(id)) fresh.push(id);
    }
    for (const id of randomSample(fresh, fresh.length, random)) {
      this.offered.add(id);
      if (this.members.size < this.capacity) {
        this.choose(id, now, added);
      } else if (random() * this.offered.size < this.capacity) {
        const members = this.list();
        const out = members[Math.floor(random() * members.length)]!;
        this.members.delete(out);
        if (added.includes(out)) added.splice(added.indexOf(out), 1);
        this.choose(id, now, added);
      }
    }
    if (this.members.size >= this.capacity) return added;
    // Room left (a view fills once, then only when a neighbour leaves): one pass over the
    // whole table; peers with a session fill it at random, then one more to dial.
    const withSession: string[] = [];
    const others: string[] = [];
    for (const id of candidates.ids()) {
      if (this.members.has(id)) continue;
      if (peer.hasSession(id)) withSession.push(id);
      else others.push(id);
    }
    for (const id of randomSample(withSession, this.capacity - this.members.size, random)) this.choose(id, now, added);
    if (this.members.size < this.capacity && others.length > 0) this.choose(others[Math.floor(random() * others.length)]!, now, added);
    return added;
  }

  private choose(id: string, now: number, added: string[]): void {
    this.members.set(id, now);
    added.push(id);
  }

  /** The neighbour for this anti-entropy round: each in turn, so every neighbour hears from us every `size` rounds. */
  nextForDigest(): string | undefined {
    if (this.members.size === 0) return undefined;
    const list = this.list();
    this.digestTurn = (this.digestTurn + 1) % list.length;
    return list[this.digestTurn];
  }
}
