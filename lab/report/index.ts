export type * from './types.js';
export { SCHEMA_VERSION } from './types.js';
export { buildReport, type BuildReportInput } from './build-report.js';
export { writeReport, slug, type WrittenReport } from './write-report.js';
export { loadReport, asReport, ReportError } from './load-report.js';
export { collectEnvironment } from './environment.js';
export { renderMarkdown } from './markdown.js';
export { renderJunit } from './junit.js';
export { renderHtml } from './html/page.js';
