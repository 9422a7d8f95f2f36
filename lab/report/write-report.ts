import { mkdir, open, writeFile } from 'node:fs/promises';
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

/** A line of history.jsonl: a history event and the index of the run it belongs to. */
export type HistoryLine = HistoryEvent & { run: number };

/**
 * Writes report.json, report.md, report.html, junit.xml and history.jsonl into
 * `<root>/<scenario>/<stamp>/` (root is usually `reports`) and returns the paths.
 * `histories` holds each run's events, in run order. The stamp is the start time, plus
 * the sweep values for a sweep; an existing directory is never overwritten (a `-2`,
 * `-3`... suffix is added).
 */
export async function writeReport(root: string, report: Report, histories: ReadonlyArray<readonly HistoryEvent[]>): Promise<WrittenReport> {
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
    writeHistory(files.history, histories),
  ]);
  return files;
}

/**
 * history.jsonl: one file for every run, each line carrying its run's index. One file
 * keeps a report folder the same five files however many runs it holds; `run` lets a
 * checker take one run apart (computeMetrics on its lines gives that run's metrics).
 */
export function historyText(histories: ReadonlyArray<readonly HistoryEvent[]>): string {
  const chunks: string[] = [];
  for (const chunk of historyChunks(histories)) chunks.push(chunk);
  return chunks.join('');
}

/** Writes history.jsonl (historyText) a chunk at a time: a 1,000-peer run has a million lines, and one string of them all, then one buffer of it, cost seconds and twice its size in memory. */
async function writeHistory(path: string, histories: ReadonlyArray<readonly HistoryEvent[]>): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (const chunk of historyChunks(histories)) await file.write(chunk);
  } finally {
    await file.close();
  }
}

/** Characters per chunk of history.jsonl. */
const CHUNK_CHARS = 1 << 20;

/** history.jsonl's text in pieces of about CHUNK_CHARS, each ending with a whole line. */
function* historyChunks(histories: ReadonlyArray<readonly HistoryEvent[]>): Generator<string> {
  let chunk = '';
  for (let run = 0; run < histories.length; run++) {
    // `{"run":N,` + the event's own JSON after its `{`: the bytes of JSON.stringify({ run, ...event }) without a copy of every event.
    const head = `{"run":${run},`;
    for (const event of histories[run]!) {
      chunk += `${head}${JSON.stringify(event).slice(1)}\n`;
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
  }
  if (chunk.length > 0) yield chunk;
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
