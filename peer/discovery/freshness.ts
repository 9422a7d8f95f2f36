/**
 * Freshness of a received announcement: its signed sent_at_ms against the
 * receiver's wall clock. Pure; the receiver passes its own `now` in. Together
 * with the peer table's seq memory this is what keeps a captured announcement
 * from being replayed as presence later (see peer/core/peer-table.ts).
 */

/** Default freshness window, ms: wide enough for ordinary clock drift between LAN hosts. */
export const DEFAULT_ANNOUNCE_WINDOW_MS = 30_000;

/** Limits of the window setting: under a second, NTP-synced hosts already disagree; over an hour, it stops nothing. */
export const ANNOUNCE_WINDOW_LIMITS = { minMs: 1000, maxMs: 3_600_000 } as const;

/**
 * True when an announcement signed at `sentAtMs` (sender's wall clock) is at most
 * `windowMs` older or newer than `nowMs` (receiver's wall clock); exactly at the
 * edge is still fresh. A missing sent_at_ms (0) is never fresh.
 */
export function isFresh(sentAtMs: number, nowMs: number, windowMs: number): boolean {
  return Math.abs(nowMs - sentAtMs) <= windowMs;
}

