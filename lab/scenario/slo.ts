import { canonicalMetric, METRIC_PATHS, metricValue, type MetricUnit } from '../metrics/metric-paths.js';
import { formatMetric } from '../metrics/format.js';
import type { Metrics } from '../metrics/types.js';
import type { Fields } from './fields.js';
import { shown } from './errors.js';
import type { Slo, SloOp } from './types.js';

const SLO = /^\s*([A-Za-z_][\w.]*)\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?|-?\.\d+)\s*([A-Za-z%/]*)\s*$/;

/** Units a threshold may carry, per metric unit, as a multiplier into the metric's unit. */
const UNITS: Record<MetricUnit, Record<string, number>> = {
  ms: { '': 1, us: 0.001, ms: 1, s: 1000, m: 60_000 },
  ratio: { '': 1, '%': 0.01 },
  mb: { '': 1, KB: 1 / 1024, KiB: 1 / 1024, MB: 1, MiB: 1, GB: 1024, GiB: 1024 },
  percent: { '': 1, '%': 1 },
  per_s: { '': 1, '/s': 1 },
  count: { '': 1 },
  number: { '': 1, x: 1 },
};

/** The result of checking one SLO against a run's metrics. */
export interface SloResult {
  /** The SLO as written. */
  slo: string;
  metric: string;
  op: SloOp;
  threshold: number;
  /** The measured value; null when the metric has no value (e.g. discovery never converged). */
  actual: number | null;
  pass: boolean;
  /** One line for people: what was measured against what was needed. */
  message: string;
}

/** Parses one SLO (`latency.p99 < 50ms`) at `path`; unknown metrics and units are errors. */
export function parseSlo(raw: unknown, path: string, f: Fields): Slo {
  if (typeof raw !== 'string') f.fail(path, `must be an expression like "latency.p99 < 50ms", got ${shown(raw)}`);
  const match = SLO.exec(raw);
  if (!match) {
    f.fail(path, `must be "<metric> <op> <number><unit>" with op one of < <= > >= ==, e.g. "latency.p99 < 50ms"; got ${shown(raw)}`);
  }
  const [, name, op, number, unit] = match as unknown as [string, string, SloOp, string, string];
  const metric = canonicalMetric(name);
  if (!metric) {
    f.fail(path, `unknown metric "${name}" in ${shown(raw)}; metrics are: delivery_ratio, ${Object.keys(METRIC_PATHS).join(', ')}`);
  }
  const metricUnit = METRIC_PATHS[metric]!;
  const factor = UNITS[metricUnit][unit];
  if (factor === undefined) {
    const allowed = Object.keys(UNITS[metricUnit]).map((u) => u || '(none)').join(', ');
    f.fail(path, `unit "${unit}" does not fit ${metric} (measured in ${metricUnit}); allowed units: ${allowed}`);
  }
  return { text: raw.trim(), metric, op, threshold: Number((Number(number) * factor).toPrecision(12)) };
}

/** Checks each SLO against the metrics; a metric without a value fails its SLO. */
export function evaluateSlos(slos: readonly Slo[], metrics: Metrics): SloResult[] {
  return slos.map((slo) => {
    const unit = METRIC_PATHS[slo.metric] ?? 'count';
    const actual = metricValue(metrics, slo.metric);
    const pass = actual !== null && compare(actual, slo.op, slo.threshold);
    const needed = `${slo.op} ${formatMetric(slo.threshold, unit)}`;
    const message =
      actual === null ? `${slo.metric} has no value (${noValueReason(slo.metric)}); needs ${needed}`
      : pass ? `${slo.metric} was ${formatMetric(actual, unit)} (${needed})`
      : `${slo.metric} was ${formatMetric(actual, unit)}; needs ${needed}`;
    return { slo: slo.text, metric: slo.metric, op: slo.op, threshold: slo.threshold, actual, pass, message };
  });
}

function compare(a: number, op: SloOp, b: number): boolean {
  switch (op) {
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '==': return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
  }
}

function noValueReason(metric: string): string {
  if (metric.startsWith('gossip.')) return 'the run wrote no group message, or the value needs counters or a ceiling it did not get';
  return metric.startsWith('discovery.') ? 'some peers never saw each other' : 'not measured in this run';
}
