/**
 * A hybrid logical clock (Kulkarni et al.): timestamps that follow the wall
 * clock but never go backwards and always order a message after the ones its
 * author had seen. No clock of its own: the caller passes the physical time.
 */
export interface HlcTimestamp {
  readonly wallMs: number;
  readonly logical: number;
}

/** Orders two timestamps; ties are broken by the caller (e.g. by author id). */
export function compareHlc(a: HlcTimestamp, b: HlcTimestamp): number {
  return a.wallMs - b.wallMs || a.logical - b.logical;
}

export class HybridClock {
  private last: HlcTimestamp = { wallMs: 0, logical: 0 };

  /** A timestamp for a local event at physical time `nowMs`. */
  tick(nowMs: number): HlcTimestamp {
    const wallMs = Math.max(this.last.wallMs, nowMs);
    this.last = { wallMs, logical: wallMs === this.last.wallMs ? this.last.logical + 1 : 0 };
    return this.last;
  }

  /** Merges a timestamp received from another peer, so later local events order after it. */
  observe(remote: HlcTimestamp, nowMs: number): HlcTimestamp {
    const wallMs = Math.max(this.last.wallMs, remote.wallMs, nowMs);
    let logical = 0;
    if (wallMs === this.last.wallMs && wallMs === remote.wallMs) logical = Math.max(this.last.logical, remote.logical) + 1;
    else if (wallMs === this.last.wallMs) logical = this.last.logical + 1;
    else if (wallMs === remote.wallMs) logical = remote.logical + 1;
    this.last = { wallMs, logical };
    return this.last;
  }
}
