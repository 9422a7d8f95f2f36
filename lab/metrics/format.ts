import type { MetricUnit } from './metric-paths.js';

/** Formats a metric value with its unit for people: "12.3 ms", "99.9 %", "41.2 MB". */
export function formatMetric(value: number | null, unit: MetricUnit): string {
  if (value === null) return 'n/a';
  switch (unit) {
    case 'ms':
      return value >= 1000 ? `${trim(value / 1000, 2)} s` : `${trim(value, value < 10 ? 2 : 1)} ms`;
    case 'ratio':
      return value === 1 ? '100 %' : `${trim(value * 100, 3)} %`;
    case 'mb':
      return `${trim(value, 1)} MB`;
    case 'percent':
      return `${trim(value, 1)} %`;
    case 'per_s':
      return `${trim(value, 1)}/s`;
    case 'count':
      return String(Math.round(value));
    case 'number':
      return trim(value, 2);
  }
}

function trim(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}
