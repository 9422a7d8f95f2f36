/**
 * How often to announce, from how many peers are heard: every peer on a LAN hears
 * every other one's announcements, so at a fixed interval each receives N per
 * interval and a big LAN drowns in them (mDNS's announcement backoff and SWIM's
 * constant load per member are the models). Below the bound the configured interval
 * (the LAN default, 1 s) stays; above it the interval grows with N, and the time
 * after which a silent peer is forgotten grows with it, so a live peer is never
 * forgotten between two of its announcements.
 */

/** Aim this far under the bound, so peers still at a shorter interval (newcomers) and timing jitter stay under it. */
export const PACE_HEADROOM = 0.9;

export interface AnnouncePace {
  intervalMs: number;
  expireAfterMs: number;
}

/**
 * The pace for `peersHeard` other peers: each announces once per interval, so a
 * receiver hears peersHeard / interval announcements a second; the interval is the
 * shortest that keeps this under `maxPerSecond` (with headroom), never shorter than
 * `baseIntervalMs`; expiry keeps its ratio to the interval.
 */
export function announcePace(peersHeard: number, base: AnnouncePace, maxPerSecond: number): AnnouncePace {
  const needed = Math.ceil((peersHeard * 1000) / (maxPerSecond * PACE_HEADROOM));
  if (needed <= base.intervalMs) return base;
  return { intervalMs: needed, expireAfterMs: Math.ceil((base.expireAfterMs * needed) / base.intervalMs) };
}
