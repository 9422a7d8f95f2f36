/**
 * Which metrics a repeated report shows the spread of: the ones `lab compare` gates
 * (latency percentiles, delivery, discovery, throughput, handshake, memory; gossip ones
 * when the run wrote group messages), each with its per-run values and the interval of
 * its median.
 */
import { gossipRules, RULES } from '../compare/metrics-of-interest.js';
import { METRIC_PATHS, type MetricUnit } from '../metrics/metric-paths.js';
import type { AggregateEntry, Report } from './types.js';

export interface SpreadRow {
  metric: string;
  unit: MetricUnit;
  entry: AggregateEntry;
}

/** The gated metrics this report has an aggregate for, in the order compare lists them. */
export function spreadRows(report: Report): SpreadRow[] {
  const rules = [...RULES, ...gossipRules(report.metrics, report.metrics)].filter((r) => r.gate);
  return rules.flatMap((r) => {
    const entry = report.repeat.aggregate[r.metric];
    return entry ? [{ metric: r.metric, unit: METRIC_PATHS[r.metric] ?? r.unit, entry }] : [];
  });
}

/**
 * A one-line text picture of a spread for Markdown: `-` the range, `=` the median's
 * interval, `+` the median, `o` each run (`8` where runs coincide).
 */
export function textStrip(entry: AggregateEntry, width = 25): string {
  const lo = Math.min(entry.ci_low, ...entry.values);
  const hi = Math.max(entry.ci_high, ...entry.values);
  const at = (v: number) => (hi === lo ? Math.floor(width / 2) : Math.round(((v - lo) / (hi - lo)) * (width - 1)));
  const cells = Array.from({ length: width }, () => '-');
  for (let i = at(entry.ci_low); i <= at(entry.ci_high); i++) cells[i] = '=';
  cells[at(entry.median)] = '+';
  for (const v of entry.values) cells[at(v)] = cells[at(v)] === 'o' || cells[at(v)] === '8' ? '8' : 'o';
  return cells.join('');
}
