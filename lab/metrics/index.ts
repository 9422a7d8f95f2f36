export type * from './events.js';
export type * from './types.js';
export type * from './gossip-types.js';
export { measureVerifyCeiling } from './gossip-verify-ceiling.js';
export { MetricsCollector, computeMetrics } from './collector.js';
export { METRIC_PATHS, METRIC_ALIASES, canonicalMetric, metricValue, type MetricUnit } from './metric-paths.js';
export { MsHistogram } from './histogram.js';
export { formatMetric } from './format.js';
