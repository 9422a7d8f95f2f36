import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
    expect(recovery).toEqual({ tornBytes: 0 });
    await log.append({ i: 1, text: 'héllo ✓' });
    await log.append({ i: 2 });
    expect(log.stats()).toMatchObject({ records: 2, bytes: (await stat(nested)).size });
    await log.close();

    const again = await AppendLog.open<Rec>(nested);
    expect(again.records).toEqual([{ i: 1, text: 'héllo ✓' }, { i: 2 }]);
    expect(again.recovery).toEqual({ tornBytes: 0 });
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
    ['half a record', (b: Buffer) => Buffer.concat([b, frameOf({ i: 99, text: 'lost' }).subarray(0, 12)])],
    ['a header only', (b: Buffer) => Buffer.concat([b, frameOf({ i: 99 }).subarray(0, 5)])],
    ['a whole header and no payload', (b: Buffer) => Buffer.concat([b, frameOf({ i: 99 }).subarray(0, 8)])],
  ])('cuts a torn tail (%s) without calling it damage, and appends after it', async (_name, tear) => {
    await writeRecords(5);
    const good = await readFile(path);
    const torn = tear(good);
    await writeFile(path, torn);

    const { log, records, recovery } = await AppendLog.open<Rec>(path);
    expect(records.map((r) => r.i)).toEqual([0, 1, 2, 3, 4]);
    expect(recovery).toEqual({ tornBytes: torn.length - good.length, tornReason: expect.stringMatching(new RegExp(`^record at byte ${good.length}: truncated`)) });
    expect((await stat(path)).size).toBe(good.length);
    expect(await corruptFiles()).toEqual([]);

    await log.append({ i: 5 });
    await log.close();
    const again = await reopen();
    expect(again.records.map((r) => r.i)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(again.recovery).toEqual({ tornBytes: 0 });
  });

  // Each damages one record of ten; every other record must survive, and the damage must count as one record.
  it.each<[string, number, (frame: Buffer, fileBytesAfter: number) => void]>([
    ['a payload byte, in the middle', 5, (f) => flip(f, 8 + 3)],
    ['a payload byte, in the first record', 0, (f) => flip(f, 8 + 3)],
    ['a payload byte, in the last record', 9, (f) => flip(f, f.length - 2)],
    ['a crc byte, in the middle', 5, (f) => flip(f, 6)],
    ['the length turned huge, in the middle', 5, (f) => flip(f, 0, 0x7f)],
    ['the length turned huge, in the first record', 0, (f) => flip(f, 0, 0x40)],
    ['the length turned huge, in the last record', 9, (f) => flip(f, 1, 0x80)],
    ['the length made past the end of the file, in the middle', 5, (f, after) => f.writeUInt32BE(f.length + after + 100, 0)],
    ['the length made a little longer, in the middle', 5, (f) => f.writeUInt32BE(f.readUInt32BE(0) + 20, 0)],
    ['the length made a little shorter, in the middle', 5, (f) => f.writeUInt32BE(f.readUInt32BE(0) - 5, 0)],
    ['the length made 0, in the middle', 5, (f) => f.writeUInt32BE(0, 0)],
  ])('keeps every other record when %s is damaged, and sets the damaged record aside', async (_name, index, damage) => {
    const frames = tenFrames();
    const bad = Buffer.from(frames[index]!);
    damage(bad, frames.slice(index + 1).reduce((n, f) => n + f.length, 0));
    const offset = frames.slice(0, index).reduce((n, f) => n + f.length, 0);
    await writeFile(path, Buffer.concat([...frames.slice(0, index), bad, ...frames.slice(index + 1)]));

    const { log, records, recovery } = await AppendLog.open<Rec>(path, { now: () => STAMP_MS });
    const others = Array.from({ length: 10 }, (_, i) => i).filter((i) => i !== index);
    expect(records.map((r) => r.i)).toEqual(others);
    expect(recovery.tornBytes).toBe(0);
    expect(recovery.damage).toEqual({
      path,
      lostRecords: 1,
      bytes: bad.length,
      corruptPath: `${path}.corrupt-${STAMP}`,
      regions: [{ offset, bytes: bad.length, records: 1, reason: expect.stringMatching(new RegExp(`^record at byte ${offset}: `)) }],
    });
    // The damaged bytes are kept, exactly; the log holds exactly the good frames.
    expect(await readFile(`${path}.corrupt-${STAMP}`)).toEqual(bad);
    expect(await readFile(path)).toEqual(Buffer.concat(frames.filter((_, i) => i !== index)));
    await log.append({ i: 10 });
    expect(log.stats()).toMatchObject({ records: 10, bytes: (await stat(path)).size });
    await log.close();

    const again = await reopen();
    expect(again.recovery).toEqual({ tornBytes: 0 });
    expect(again.records.map((r) => r.i)).toEqual([...others, 10]);
    expect(await corruptFiles()).toEqual([`test.log.corrupt-${STAMP}`]);
  });

  it('keeps the good records between several damaged regions, and a torn tail after them is only cut', async () => {
    const frames = tenFrames();
    const damaged = frames.map((f) => Buffer.from(f));
    for (const i of [1, 2, 5, 8]) flip(damaged[i]!, 8 + 2); // 1 and 2 are neighbours: one region of two records
    const torn = frameOf({ i: 10, text: 'record 10' }).subarray(0, 14);
    await writeFile(path, Buffer.concat([...damaged, torn]));

    const { records, recovery } = await reopen();
    expect(records.map((r) => r.i)).toEqual([0, 3, 4, 6, 7, 9]);
    expect(recovery.tornBytes).toBe(torn.length);
    expect(recovery.damage?.lostRecords).toBe(4);
    expect(recovery.damage?.regions.map((r) => r.records)).toEqual([2, 1, 1]);
    const corrupt = await readFile(recovery.damage!.corruptPath);
    expect(corrupt).toEqual(Buffer.concat([damaged[1]!, damaged[2]!, damaged[5]!, damaged[8]!]));
    expect(recovery.damage?.bytes).toBe(corrupt.length);
    expect(await readFile(path)).toEqual(Buffer.concat([0, 3, 4, 6, 7, 9].map((i) => frames[i]!)));
    expect((await reopen()).recovery).toEqual({ tornBytes: 0 });
  });

  it.each([
    ['garbage bytes', Buffer.from('not a record at all')],
    ['a length over the limit', header(LIMITS.logRecordBytes + 1, 0)],
    [
      'a record with a flipped crc byte',
      (() => {
        const last = frameOf({ i: 99 });
        return flip(last, 5);
      })(),
    ],
  ])('treats %s at the end as damage, not a torn tail: no writer makes them', async (_name, tail) => {
    await writeRecords(5);
    const good = await readFile(path);
    await writeFile(path, Buffer.concat([good, tail]));
    const { records, recovery } = await reopen();
    expect(records.map((r) => r.i)).toEqual([0, 1, 2, 3, 4]);
    expect(recovery).toMatchObject({ tornBytes: 0, damage: { lostRecords: 1, bytes: tail.length } });
    expect(await readFile(recovery.damage!.corruptPath)).toEqual(tail);
    expect(await readFile(path)).toEqual(good);
  });

  it('sets aside a record that parse rejects, keeps the records after it, and never overwrites an older .corrupt- file', async () => {
    await writeRecords(4);
    const rejecting = (...bad: number[]) => (v: unknown): Rec => {
      const r = v as Rec;
      if (bad.includes(r.i)) throw new Error(`i must not be ${r.i}`);
      return r;
    };
    const first = await AppendLog.open<Rec>(path, { parse: rejecting(1), now: () => STAMP_MS });
    await first.log.close();
    expect(first.records.map((r) => r.i)).toEqual([0, 2, 3]);
    expect(first.recovery.damage?.regions[0]?.reason).toContain('i must not be 1');

    const second = await AppendLog.open<Rec>(path, { parse: rejecting(3), now: () => STAMP_MS });
    await second.log.close();
    expect(second.records.map((r) => r.i)).toEqual([0, 2]);
    expect(second.recovery.damage?.corruptPath).toBe(`${path}.corrupt-${STAMP}-2`);
    expect(await corruptFiles()).toEqual([`test.log.corrupt-${STAMP}`, `test.log.corrupt-${STAMP}-2`]);
    expect(await readFile(`${path}.corrupt-${STAMP}`)).toEqual(frameOf({ i: 1, text: 'record 1' }));
    expect(await readFile(`${path}.corrupt-${STAMP}-2`)).toEqual(frameOf({ i: 3, text: 'record 3' }));
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
    expect(recovery).toEqual({ tornBytes: 0 });
    expect(records.map((r) => r.small)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('crash test: every append acknowledged before SIGKILL is in the file after reopen', async () => {
    // Three rounds on one file: each child resumes after what the last one left.
    const acked: number[] = [];
    for (let round = 0; round < 3; round++) {
      const ackedThisRound = await appendUntilKilled(300);
      acked.push(...ackedThisRound);
      const { records, recovery } = await reopen<{ i: number; pad: string }>();
      expect(recovery.damage).toBeUndefined();
      const present = new Set(records.map((r) => r.i));
      expect(acked.filter((i) => !present.has(i))).toEqual([]);
      // Appends are written in call order, so the file holds exactly 0..n-1.
      expect(records.map((r) => r.i)).toEqual(Array.from({ length: records.length }, (_, i) => i));
      // A kill leaves at most a torn tail, never damage; that reopen made the file clean.
      expect((await reopen()).recovery).toEqual({ tornBytes: 0 });
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

/** A fixed wall clock for `.corrupt-` names, and the stamp it gives. */
const STAMP_MS = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const STAMP = '20240102T030405.678Z';

/** The frames of records 0..9 as writeRecords(10) writes them. */
function tenFrames(): Buffer[] {
  return Array.from({ length: 10 }, (_, i) => frameOf({ i, text: `record ${i}` }));
}

/** XORs byte `at` of `b` with `mask` (one bit by default), in place; returns `b`. */
function flip(b: Buffer, at: number, mask = 0x01): Buffer {
  b[at] = b[at]! ^ mask;
  return b;
}

/** Names of the `.corrupt-` files beside the log, sorted. */
async function corruptFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('test.log.corrupt-')).sort();
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
