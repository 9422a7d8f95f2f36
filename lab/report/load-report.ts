import { readFile } from 'node:fs/promises';
import { SCHEMA_VERSION, type Report } from './types.js';

/** A report file cannot be used: unreadable, not JSON, or a schema version this peerlab does not read. */
export class ReportError extends Error {
  override readonly name = 'ReportError';
  /** A bad input file is a usage error. */
  readonly exitCode = 64;
}

/** Reads a report.json, checking that it is a report of a schema version this code understands. */
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

/** Checks a parsed report's schemaVersion and basic shape; `source` names it in errors. */
export function asReport(data: unknown, source: string): Report {
  if (data === null || typeof data !== 'object' || !('schemaVersion' in data)) {
    throw new ReportError(`${source}: not a peerlab report (no schemaVersion field)`);
  }
  const version = (data as { schemaVersion: unknown }).schemaVersion;
  if (version !== SCHEMA_VERSION) {
    throw new ReportError(`${source}: report schemaVersion ${JSON.stringify(version)} is not supported; this peerlab reads schemaVersion ${SCHEMA_VERSION}. Re-run the baseline with this version, or compare with the peerlab that wrote it.`);
  }
  if (!('metrics' in data) || typeof data.metrics !== 'object') throw new ReportError(`${source}: report has no metrics`);
  return data as Report;
}
