const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$/;

/**
 * Parses a duration: `250ms`, `2s`, `1.5m`, `1h`, or a number (milliseconds).
 * Returns milliseconds, or throws a plain Error saying what is allowed; callers that
 * know the file and field wrap it into a ScenarioError.
 */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
    throw new Error(`must be a duration (250ms, 2s, 1.5m or a number of ms, not negative), got ${value}`);
  }
  if (typeof value === 'string') {
    const match = DURATION.exec(value);
    if (match) return Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!;
  }
  throw new Error(
    `must be a duration (250ms, 2s, 1.5m or a number of ms), got ${JSON.stringify(value) ?? 'nothing'}`,
  );
}

/** Formats milliseconds for people: 850ms, 2.5s, 1m 30s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${round(ms)}ms`;
  if (ms < 60_000) return `${round(ms / 1000)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms - minutes * 60_000) / 1000);
  return seconds ? `${minutes}m ${seconds}s` : `${minutes}m`;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
