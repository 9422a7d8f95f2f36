import { readFile } from 'node:fs/promises';
import { unmeasuredBaseline } from '../baseline/baseline.js';
import { aggregateByPath } from './aggregate.js';
import { SCHEMA_VERSION, type Report, type ReportV1 } from './types.js';

/** A report file cannot be used: unreadable, not JSON, or a schema version this peerlab does not read. */
export class ReportError extends Error {
  override readonly name = 'ReportError';
  /** A bad input file is a usage error. */
  readonly exitCode = 64;
}

/**
 * Reads a report.json, checking that it is a report of a schema version this code
 * understands (1 or 2). A version 1 report comes back as version 2: one run, and a
 * baseline whose notes say it was never measured.
 */
export async function loadReport(path: string): Promise<Report> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ReportError(`${path}: cannot read the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ReportError(`${path}: not a JSON report (${(err as Error).message})`);
  }
  return asReport(data, path);
}

/** Checks a parsed report's schemaVersion and basic shape (upgrading version 1); `source` names it in errors. */
export function asReport(data: unknown, source: string): Report {
  if (data === null || typeof data !== 'object' || !('schemaVersion' in data)) {
    throw new ReportError(`${source}: not a peerlab report (no schemaVersion field)`);
  }
  const version = (data as { schemaVersion: unknown }).schemaVersion;
  if (version !== 1 && version !== SCHEMA_VERSION) {
    throw new ReportError(`${source}: report schemaVersion ${JSON.stringify(version)} is not supported; this peerlab reads schemaVersion 1 and ${SCHEMA_VERSION}. Re-run the baseline with this version, or compare with the peerlab that wrote it.`);
  }
  if (!('metrics' in data) || typeof data.metrics !== 'object' || data.metrics === null) throw new ReportError(`${source}: report has no metrics`);
  if (version === 1) return upgradeV1(data as ReportV1);
  if (!('repeat' in data) || typeof data.repeat !== 'object' || !('baseline' in data)) throw new ReportError(`${source}: a schemaVersion ${SCHEMA_VERSION} report needs repeat and baseline`);
  return data as Report;
}

/** A version 1 report (one run, no baseline) as version 2: its one run, and a baseline marked as never measured. */
export function upgradeV1(v1: ReportV1): Report {
  const baseline = unmeasuredBaseline('not measured: a schemaVersion 1 report has no baseline');
  const run = { index: 0, seed: v1.seed, verdict: v1.verdict, verdict_reasons: v1.verdict_reasons, started_at: v1.started_at, duration_ms: v1.duration_ms, metrics: v1.metrics, slos: v1.slos, baseline };
  return { ...v1, schemaVersion: SCHEMA_VERSION, repeat: { count: 1, statistic: 'median', runs: [run], aggregate: aggregateByPath([v1.metrics]) }, baseline };
}
