/**
 * The expected spread of push gossip as the peer does it (peer/core/gossip-router.ts), to
 * draw over a run's measured dissemination curve. Pure: numbers in, numbers out.
 *
 * The process: N peers that all know each other, no loss. The author pushes a new message
 * to `fanout` distinct random others (round 1). A peer that gets it for the first time in
 * round r forwards it once, in round r + 1, to `fanout` distinct random others, leaving out
 * itself, the peer it got it from and the author (the router's exclusions); copies to a
 * peer that has it already are wasted. The TTL allows deliveries at hops 1..ttl, so there
 * are `ttl` rounds. Anti-entropy (digests every --digest-interval) is not modelled: it can
 * only add what push missed, later.
 *
 * Mean field: with n_r peers newly reached in round r, each uninformed peer escapes one
 * sender with probability 1 − k/c (k = min(fanout, c) picks out of c candidates), so
 *   new(r+1) = U_r · (1 − (1 − k/c)^n_r),   copies(r+1) = n_r · k.
 * n_r is replaced by its expected value. (1 − q)^n is convex in n, so this overstates the
 * spread slightly where n_r varies most (small N, small fanout; see epidemic-model.test.ts).
 */

export interface PushGossipParams {
  /** Peers in the network, the author included (≥ 2). */
  peers: number;
  /** Neighbours each new copy is pushed to (≥ 1). */
  fanout: number;
  /** Hops a message may travel: deliveries happen at hops 1..ttl (≥ 1). */
  ttl: number;
}

/** The state after one round (hop). */
export interface ModelRound {
  /** 0 is the author alone; round r delivers at hop r. */
  round: number;
  /** Expected share of the N − 1 non-author peers that have the message after this round. */
  share: number;
  /** Expected copies sent in this round (each one is received: no loss). */
  copies: number;
}

export interface PushGossipModel extends PushGossipParams {
  rounds: ModelRound[];
  /** Expected share of non-author peers reached by push alone (after the last round). */
  reach: number;
  /** Expected copies received per peer reached (every copy sent ÷ deliveries), as the run's `gossip.amplification`. */
  amplification: number;
  /** Expected hops of a reached peer's first copy. */
  hopsMean: number;
}

/** The mean-field expected spread of push gossip with these parameters; throws a RangeError naming a bad value. */
export function pushGossipModel(params: PushGossipParams): PushGossipModel {
  const { peers, fanout, ttl } = params;
  wholeAtLeast('peers', peers, 2);
  wholeAtLeast('fanout', fanout, 1);
  wholeAtLeast('ttl', ttl, 1);
  const others = peers - 1;
  const rounds: ModelRound[] = [{ round: 0, share: 0, copies: 0 }];
  let uninformed = others;
  let newlyReached = 1; // the author, "reached" in round 0
  let reached = 0;
  let copies = 0;
  let hopSum = 0;
  for (let round = 1; round <= ttl; round++) {
    // Candidates of a sender from the previous round: everyone but itself, the peer it got the
    // message from and the author (the author itself has no sender; round-1 peers got it from the author).
    const candidates = peers - (round === 1 ? 1 : round === 2 ? 2 : 3);
    const picks = Math.max(0, Math.min(fanout, candidates));
    const missOne = candidates > 0 ? 1 - picks / candidates : 1;
    const fresh = uninformed * (1 - missOne ** newlyReached);
    const sent = newlyReached * picks;
    uninformed -= fresh;
    reached += fresh;
    copies += sent;
    hopSum += round * fresh;
    newlyReached = fresh;
    rounds.push({ round, share: reached / others, copies: sent });
  }
  return { peers, fanout, ttl, rounds, reach: reached / others, amplification: copies / reached, hopsMean: hopSum / reached };
}

/** A model round placed in time: round r at r × the per-hop delay. */
export interface ModelPoint extends ModelRound {
  t_ms: number;
}

/** The model's rounds on the run's time axis, round r at r × `perHopMs`. */
export function modelOnTime(model: PushGossipModel, perHopMs: number): ModelPoint[] {
  if (!(perHopMs >= 0) || !Number.isFinite(perHopMs)) throw new RangeError(`perHopMs must be a finite number ≥ 0, got ${perHopMs}`);
  return model.rounds.map((r) => ({ ...r, t_ms: r.round * perHopMs }));
}

/**
 * When the model first has `share` of the non-author peers: the time of the first round
 * whose expected share reaches it (in the round model a round's deliveries all land at its
 * time, so the curve is a staircase); null when push alone never gets there.
 */
export function modelTimeTo(points: readonly ModelPoint[], share: number): number | null {
  // A hair of slack, so a share that is exactly reached is not missed by rounding.
  return points.find((p) => p.share + 1e-12 >= share)?.t_ms ?? null;
}

function wholeAtLeast(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`the push-gossip model needs ${name} to be a whole number ≥ ${min}, got ${value}`);
}
