export { compareReports, type CompareOptions, type CompareResult, type CompareRow } from './compare.js';
export { formatCompare } from './format.js';
export { RULES, type Direction, type MetricRule } from './metrics-of-interest.js';
export { loadReport, ReportError } from '../report/load-report.js';
