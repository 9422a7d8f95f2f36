import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryEvent } from '../metrics/events.js';
import { renderHtml } from './html/page.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { Report } from './types.js';

/** The files of one written report. */
export interface WrittenReport {
  dir: string;
  json: string;
  markdown: string;
  html: string;
  junit: string;
  history: string;
}

/**
 * Writes report.json, report.md, report.html, junit.xml and history.jsonl into
 * `<root>/<scenario>/<stamp>/` (root is usually `reports`) and returns the paths.
 * The stamp is the start time, plus the sweep values for a sweep; an existing
 * directory is never overwritten (a `-2`, `-3`... suffix is added).
 */
export async function writeReport(root: string, report: Report, events: readonly HistoryEvent[]): Promise<WrittenReport> {
  const parent = join(root, slug(report.scenario.name));
  await mkdir(parent, { recursive: true });
  const dir = await freshDir(parent, stampOf(report));
  const files: WrittenReport = {
    dir,
    json: join(dir, 'report.json'),
    markdown: join(dir, 'report.md'),
    html: join(dir, 'report.html'),
    junit: join(dir, 'junit.xml'),
    history: join(dir, 'history.jsonl'),
  };
  await Promise.all([
    writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`),
    writeFile(files.markdown, renderMarkdown(report)),
    writeFile(files.html, renderHtml(report)),
    writeFile(files.junit, renderJunit(report)),
    writeFile(files.history, events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '')),
  ]);
  return files;
}

/** A file-system-safe folder name for a scenario name (`../x` and `<script>` included). */
export function slug(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return s.slice(0, 80) || 'scenario';
}

function stampOf(report: Report): string {
  const time = report.started_at.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const sweep = Object.entries(report.scenario.sweep).map(([k, v]) => slug(`${k}=${v}`)).join('_');
  return sweep ? `${time}_${sweep}` : time;
}

async function freshDir(parent: string, stamp: string): Promise<string> {
  for (let n = 1; ; n++) {
    const dir = join(parent, n === 1 ? stamp : `${stamp}-${n}`);
    try {
      await mkdir(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
