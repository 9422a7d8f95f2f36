import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIMITS, LimitError } from '../limits.js';
import { AppendLog } from './append-log.js';

interface Rec {
  i: number;
  text?: string;
}

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peerlab-append-log-'));
  path = join(dir, 'test.log');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function reopen<T = Rec>(opts?: { parse?: (v: unknown) => T }) {
  const opened = await AppendLog.open<T>(path, opts);
  await opened.log.close();
  return opened;
}

/** Appends records 0..n-1 one at a time and closes the log. */
async function writeRecords(n: number): Promise<void> {
  const { log } = await AppendLog.open<Rec>(path);
  for (let i = 0; i < n; i++) await log.append({ i, text: `record ${i}` });
  await log.close();
}

describe('AppendLog', () => {
  it('creates the file and its directory, and round-trips records across reopen', async () => {
    const nested = join(dir, 'a', 'b', 'c.log');
    const { log, records, recovery } = await AppendLog.open<Rec>(nested);
    expect(records).toEqual([]);
    expect(recovery).toEqual({ droppedBytes: 0 });
    await log.append({ i: 1, text: 'héllo ✓' });
    await log.append({ i: 2 });
    expect(log.stats()).toMatchObject({ records: 2, bytes: (await stat(nested)).size });
    await log.close();

    const again = await AppendLog.open<Rec>(nested);
    expect(again.records).toEqual([{ i: 1, text: 'héllo ✓' }, { i: 2 }]);
    expect(again.recovery.droppedBytes).toBe(0);
    await again.log.close();
  });

  it('frames each record as length, crc32, JSON', async () => {
    const { log } = await AppendLog.open<Rec>(path);
    await log.append({ i: 7 });
    await log.close();
    const bytes = await readFile(path);
    const json = Buffer.from('{"i":7}');
    expect(bytes.readUInt32BE(0)).toBe(json.length);
    expect(bytes.readUInt32BE(4)).toBe(crc32(json));
    expect(bytes.subarray(8)).toEqual(json);
  });

  it.each([
    ['garbage bytes', (b: Buffer) => Buffer.concat([b, Buffer.from('not a record at all')])],
    ['half a record', (b: Buffer) => Buffer.concat([b, frameOf({ i: 99, text: 'lost' }).subarray(0, 12)])],
    ['a header only', (b: Buffer) => Buffer.concat([b, frameOf({ i: 99 }).subarray(0, 5)])],
    [
      'a flipped crc byte',
      (b: Buffer) => {
        const last = frameOf({ i: 99 });
        last[5] = last[5]! ^ 0xff;
        return Buffer.concat([b, last]);
      },
    ],
    ['a length over the limit', (b: Buffer) => Buffer.concat([b, header(LIMITS.logRecordBytes + 1, 0)])],
  ])('truncates a torn tail (%s), keeps the good records, and appends after it', async (_name, tear) => {
    await writeRecords(5);
    const good = await readFile(path);
    const torn = tear(good);
    await writeFile(path, torn);

    const { log, records, recovery } = await AppendLog.open<Rec>(path);
    expect(records.map((r) => r.i)).toEqual([0, 1, 2, 3, 4]);
    expect(recovery.droppedBytes).toBe(torn.length - good.length);
    expect(recovery.reason).toMatch(new RegExp(`^record at byte ${good.length}: `));
    expect((await stat(path)).size).toBe(good.length);

    await log.append({ i: 5 });
    await log.close();
    const again = await reopen();
    expect(again.records.map((r) => r.i)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(again.recovery.droppedBytes).toBe(0);
  });

  it('stops at a corrupted record in the middle and drops everything after it', async () => {
    await writeRecords(4);
    const bytes = await readFile(path);
    const secondStart = frameOf({ i: 0, text: 'record 0' }).length;
    bytes[secondStart + 9] = bytes[secondStart + 9]! ^ 0x01; // a payload byte of record 1
    await writeFile(path, bytes);
    const { records, recovery } = await reopen();
    expect(records.map((r) => r.i)).toEqual([0]);
    expect(recovery.droppedBytes).toBe(bytes.length - secondStart);
    expect(recovery.reason).toContain('crc32');
  });

  it('treats a record that parse rejects as the start of the torn tail', async () => {
    await writeRecords(3);
    const parse = (v: unknown): Rec => {
      const r = v as Rec;
      if (r.i === 2) throw new Error('i must not be 2');
      return r;
    };
    const { records, recovery } = await reopen({ parse });
    expect(records.map((r) => r.i)).toEqual([0, 1]);
    expect(recovery.reason).toContain('i must not be 2');
    expect((await reopen()).records).toHaveLength(2);
  });

  it('group commit: 1000 concurrent appends take far fewer syncs and keep their order', async () => {
    const { log } = await AppendLog.open<Rec>(path);
    await Promise.all(Array.from({ length: 1000 }, (_, i) => log.append({ i })));
    const stats = log.stats();
    expect(stats.records).toBe(1000);
    expect(stats.syncs).toBeLessThanOrEqual(50);
    await log.close();
    const { records } = await reopen();
    expect(records.map((r) => r.i)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('group commit: appends made while a sync is in flight share the next one', async () => {
    const { log } = await AppendLog.open<Rec>(path);
    const first = log.append({ i: 0 });
    // Let the first write start, then append more while it is in flight.
    await Promise.resolve();
    const rest = Array.from({ length: 100 }, (_, i) => log.append({ i: i + 1 }));
    await Promise.all([first, ...rest]);
    expect(log.stats().syncs).toBeLessThanOrEqual(3);
    await log.close();
    expect((await reopen()).records).toHaveLength(101);
  });

  it('rejects a record over the size limit with LimitError and writes nothing', async () => {
    const { log } = await AppendLog.open<Rec>(path);
    await log.append({ i: 0 });
    const before = await readFile(path);
    const big = { i: 1, text: 'x'.repeat(LIMITS.logRecordBytes) };
    await expect(log.append(big)).rejects.toBeInstanceOf(LimitError);
    await expect(log.rewrite([{ i: 2 }, big])).rejects.toBeInstanceOf(LimitError);
    await log.append({ i: 3 });
    await log.close();
    expect((await readFile(path)).subarray(0, before.length)).toEqual(before);
    expect((await reopen()).records.map((r) => r.i)).toEqual([0, 3]);
  });

  it('rewrite replaces the file atomically and later appends go to the new file', async () => {
    await writeRecords(10);
    const { log } = await AppendLog.open<Rec>(path);
    await log.rewrite([{ i: 100 }, { i: 101 }]);
    expect(log.stats().records).toBe(2);
    await log.append({ i: 102 });
    expect(log.stats()).toMatchObject({ records: 3, bytes: (await stat(path)).size });
    await log.close();
    expect((await reopen()).records.map((r) => r.i)).toEqual([100, 101, 102]);
    await expect(stat(`${path}.rewrite-tmp`)).rejects.toThrow(/ENOENT/);
  });

  it('rewrite is ordered with concurrent appends: earlier ones before it, later ones after', async () => {
    const { log } = await AppendLog.open<Rec>(path);
    const before = Array.from({ length: 50 }, (_, i) => log.append({ i }));
    const rewrite = log.rewrite([{ i: -1 }]);
    const after = Array.from({ length: 50 }, (_, i) => log.append({ i: 1000 + i }));
    await Promise.all([...before, rewrite, ...after]);
    await log.close();
    const { records } = await reopen();
    expect(records.map((r) => r.i)).toEqual([-1, ...Array.from({ length: 50 }, (_, i) => 1000 + i)]);
  });

  it('close flushes pending appends; appending after close rejects clearly', async () => {
    const { log } = await AppendLog.open<Rec>(path);
    const pending = Array.from({ length: 20 }, (_, i) => log.append({ i }));
    await log[Symbol.asyncDispose]();
    await Promise.all(pending);
    await expect(log.append({ i: 99 })).rejects.toThrow(/append log .*test\.log is closed/);
    await log.close(); // a second close is harmless
    expect((await reopen()).records).toHaveLength(20);
  });

  it('throws a clear error naming the path for an IO problem', async () => {
    await expect(AppendLog.open(dir)).rejects.toThrow(dir);
    const blocker = join(dir, 'file');
    await writeFile(blocker, '');
    await expect(AppendLog.open(join(blocker, 'x.log'))).rejects.toThrow(
      /^append log .*file\/x\.log: cannot open the file: ENOTDIR/,
    );
  });

  it('a failed write rejects every waiter of its batch and leaves the log usable', async () => {
    // ulimit -f counts 512-byte blocks: 8 blocks = 4096 bytes per file.
    const fixture = fileURLToPath(new URL('./fixtures/fsize-appender.mjs', import.meta.url));
    const out = await runChild('/bin/sh', ['-c', 'ulimit -f 8 && exec "$0" "$@"', process.execPath, fixture, path]);
    const result = JSON.parse(out) as {
      before: { records: number; bytes: number };
      big: string[];
      afterFailure: { records: number; bytes: number };
      after: string;
      end: { records: number };
    };
    expect(result.big).toHaveLength(3);
    for (const r of result.big) expect(r).toMatch(/^rejected: append log .*test\.log: cannot append to the file/);
    expect(result.afterFailure).toEqual(result.before);
    expect(result.after).toBe('ok');
    expect(result.end.records).toBe(11);
    const { records, recovery } = await reopen<Record<string, unknown>>();
    expect(recovery.droppedBytes).toBe(0);
    expect(records.map((r) => r.small)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('crash test: every append acknowledged before SIGKILL is in the file after reopen', async () => {
    // Three rounds on one file: each child resumes after what the last one left.
    const acked: number[] = [];
    for (let round = 0; round < 3; round++) {
      const ackedThisRound = await appendUntilKilled(300);
      acked.push(...ackedThisRound);
      const { records } = await reopen<{ i: number; pad: string }>();
      const present = new Set(records.map((r) => r.i));
      expect(acked.filter((i) => !present.has(i))).toEqual([]);
      // Appends are written in call order, so the file holds exactly 0..n-1.
      expect(records.map((r) => r.i)).toEqual(Array.from({ length: records.length }, (_, i) => i));
      // Whatever the kill left, that reopen made the file clean.
      expect((await reopen()).recovery.droppedBytes).toBe(0);
    }
    expect(acked.length).toBeGreaterThanOrEqual(900);
  });
});

/**
 * Runs the crash fixture on `path` and SIGKILLs it as soon as it has reported
 * `count` resolved appends; returns the indexes it reported.
 */
async function appendUntilKilled(count: number): Promise<number[]> {
  const fixture = fileURLToPath(new URL('./fixtures/crash-appender.mjs', import.meta.url));
  const child = spawn(process.execPath, [fixture, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: number[] = [];
  let stderr = '';
  let partial = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  await withDeadline(
    30_000,
    () => `child acked only ${acked.length} appends; stderr: ${stderr}`,
    new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop()!;
        for (const line of lines) acked.push(Number(line));
        if (acked.length >= count) {
          // Kill at once, mid-stream: appends are in flight right now.
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`child exited early; stderr: ${stderr}`)));
    }),
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  expect(await exited).toBe('SIGKILL');
  return acked;
}

function header(length: number, crc: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(length, 0);
  h.writeUInt32BE(crc, 4);
  return h;
}

/** A frame built by hand, independently of the code under test. */
function frameOf(record: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(record));
  return Buffer.concat([header(payload.length, crc32(payload)), payload]);
}

/** Rejects with `message()` when `promise` has not settled within `ms`. */
async function withDeadline<T>(ms: number, message: () => string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`deadline of ${ms}ms passed: ${message()}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a command to completion; resolves with its stdout, rejects with its stderr. */
function runChild(cmd: string, args: string[]): Promise<string> {
  return withDeadline(
    30_000,
    () => `${cmd} ${args.join(' ')} did not finish`,
    new Promise<string>((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('exit', (code, signal) =>
        code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${signal ?? code}: ${err}`)),
      );
    }),
  );
}
