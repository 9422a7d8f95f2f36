/**
 * The bounded set of gossip neighbours (HyParView's active view, without its
 * messages): at most `capacity` peers this one pushes group messages to and trades
 * digests with, instead of every peer it knows, so sessions stay near K per peer
 * rather than growing to N.
 *
 * Filling prefers peers that already have a session open with us: a peer that chose
 * us has dialled us, and choosing it back makes views mutual, which halves the
 * sessions. A new session is dialled for at most one neighbour per refresh, so the
 * sessions of peers that chose us have time to arrive and be preferred. A neighbour
 * whose session goes down, who leaves the peer table, or whose session does not come
 * up within a patience time after it was chosen, is dropped and a refresh replaces it.
 */
export class NeighbourView {
  // Id -> when it was chosen; insertion order, which the digest round goes through in turn.
  private readonly members = new Map<string, number>();
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
   * capacity: every candidate with an open session first, then at most one more picked
   * at random. Returns the neighbours added.
   */
  refresh(candidates: readonly string[], hasSession: (peerId: string) => boolean, random: () => number, now: number, patienceMs: number): string[] {
    const present = new Set(candidates);
    for (const [id, chosenAt] of this.members) {
      if (!present.has(id) || (now - chosenAt >= patienceMs && !hasSession(id))) this.members.delete(id);
    }
    const added: string[] = [];
    const others: string[] = [];
    for (const id of candidates) {
      if (this.members.size >= this.capacity) return added;
      if (this.members.has(id)) continue;
      if (hasSession(id)) {
        this.members.set(id, now);
        added.push(id);
      } else {
        others.push(id);
      }
    }
    if (this.members.size < this.capacity && others.length > 0) {
      const pick = others[Math.floor(random() * others.length)]!;
      this.members.set(pick, now);
      added.push(pick);
    }
    return added;
  }

  /** The neighbour for this anti-entropy round: each in turn, so every neighbour hears from us every `size` rounds. */
  nextForDigest(): string | undefined {
    if (this.members.size === 0) return undefined;
    const list = this.list();
    this.digestTurn = (this.digestTurn + 1) % list.length;
    return list[this.digestTurn];
  }
}
