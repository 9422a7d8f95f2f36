/**
 * Runs the real `peerlab` CLI (dist/) as a child process, the way CI does, and
 * collects its output and exit code. Temp dirs for reports and scenarios.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HistoryEvent } from '../../lab/metrics/events.js';
import type { Report } from '../../lab/report/types.js';
import { PEERLAB_CLI } from '../../lab/runtimes/process/peer-process.js';

/** The repository root: scenario paths in tests are relative to it. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running CLI: its output so far, and its result once it exits. */
export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  result: Promise<CliResult>;
}

/** Starts `peerlab ...args` in the repository root; `env` is added to this process's environment. */
export function startCli(args: string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, [PEERLAB_CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const result = new Promise<CliResult>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, output: () => stdout, result };
}

/** Runs `peerlab ...args` to the end. */
export function runCli(args: string[], env?: Record<string, string>): Promise<CliResult> {
  return startCli(args, env).result;
}

/** A temp dir, removed by the returned disposer. */
export async function tempDir(prefix: string): Promise<{ path: string } & AsyncDisposable> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

/** Writes a scenario file into `dir` and returns its path. */
export async function writeScenario(dir: string, name: string, yaml: string): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, yaml);
  return path;
}

/** The report directories written under `<out>/<scenario>/`, oldest first. */
export async function reportDirs(out: string, scenario: string): Promise<string[]> {
  const entries = await readdir(join(out, scenario), { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => join(out, scenario, e.name)).sort();
}

/** A written report: report.json parsed, history.jsonl parsed, the other files as text. */
export interface WrittenRun {
  dir: string;
  report: Report;
  history: HistoryEvent[];
  markdown: string;
  html: string;
  junit: string;
}

/** Reads every file of a report directory. */
export async function readRun(dir: string): Promise<WrittenRun> {
  const [json, history, markdown, html, junit] = await Promise.all(
    ['report.json', 'history.jsonl', 'report.md', 'report.html', 'junit.xml'].map((f) => readFile(join(dir, f), 'utf8')),
  );
  return {
    dir,
    report: JSON.parse(json!) as Report,
    history: history!.trim() === '' ? [] : history!.trim().split('\n').map((l) => JSON.parse(l) as HistoryEvent),
    markdown: markdown!,
    html: html!,
    junit: junit!,
  };
}

/** What is wrong with `report` by lab/report/report.schema.json: [] when it validates. */
export async function reportSchemaErrors(report: unknown): Promise<unknown[]> {
  const { Ajv } = await import('ajv');
  const schema = JSON.parse(await readFile(join(ROOT, 'lab/report/report.schema.json'), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const validate = ajv.compile(schema);
  return validate(report) ? [] : [...(validate.errors ?? [])];
}
