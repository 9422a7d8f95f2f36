/** Bits per second of each unit; decimal, as tc counts them (1mbit = 1,000,000 bit/s). */
const UNIT_BPS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };
const BANDWIDTH = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(bit|kbit|mbit|gbit)(?:\/s)?\s*$/i;

/**
 * Parses a bandwidth: `512kbit`, `10mbit`, `1gbit` (optionally with `/s`), or a number of
 * bits per second. Bytes are not accepted on purpose: tc's `mbps` means megabytes, and a
 * factor of eight is too easy to get wrong. Throws a plain Error saying what is allowed.
 */
export function parseBandwidth(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const match = BANDWIDTH.exec(value);
    if (match) return Number(match[1]) * UNIT_BPS[match[2]!.toLowerCase()]!;
  }
  throw new Error(`must be a bandwidth in bits per second (512kbit, 10mbit, 1gbit, or a number of bit/s), got ${JSON.stringify(value) ?? 'nothing'}`);
}

/** Formats bits per second for people: 512kbit/s, 10mbit/s. */
export function formatBandwidth(bps: number): string {
  for (const unit of ['gbit', 'mbit', 'kbit'] as const) {
    if (bps >= UNIT_BPS[unit]!) return `${+(bps / UNIT_BPS[unit]!).toFixed(3)}${unit}/s`;
  }
  return `${+bps.toFixed(3)}bit/s`;
}
