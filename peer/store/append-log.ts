import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { syncDirectory } from './atomic-file.js';
import { encodeFrame, scanFrames } from './log-frame.js';
import { logIoError as ioError, repairLog, type AppendLogDamage } from './log-repair.js';

export type { AppendLogDamage };

/**
 * An append-only log of JSON records, each framed as
 * `[u32 BE payload length][u32 BE crc32(payload)][payload = UTF-8 JSON]`
 * (log-frame.ts).
 *
 * Durability: `append()` resolves only after fdatasync. Appends made while a
 * write+sync is in flight are batched into the next single write + sync
 * ("group commit"), so N concurrent appends cost about one sync, not N.
 *
 * Recovery: `open()` keeps every record whose frame is intact, wherever it is
 * in the file: a damaged record costs only itself, and reading resynchronises
 * on the next good record. An incomplete last record (a crash mid-append) is a
 * torn tail: cut, and not damage. Any other bad bytes are damage: they are
 * copied to `<file>.corrupt-<stamp>`, the log is rewritten atomically to hold
 * only its good records (so the next open is clean), and `recovery.damage`
 * says what was lost, for the caller to report (log-repair.ts).
 *
 * One process per file: there is no lock between processes.
 */

/** Upper bound on one group-commit write, so a burst of large records is not copied into one huge buffer. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** What `open()` found wrong with the file and mended. */
export interface AppendLogRecovery {
  /** Bytes of an incomplete last record cut off (a crash mid-append); 0 when none. Not damage. */
  tornBytes: number;
  /** Why the torn record was cut, with its byte offset. */
  tornReason?: string;
  /** Damaged bytes found, moved aside and cut out of the log; absent when there were none. */
  damage?: AppendLogDamage;
}

/** Counters for tests, benchmarks and metrics. */
export interface AppendLogStats {
  /** Records in the file now. */
  records: number;
  /** Size of the file in bytes. */
  bytes: number;
  /** Successful write+sync rounds since open (append batches and rewrites). */
  syncs: number;
}

/** Options for `AppendLog.open`. */
export interface AppendLogOptions<T> {
  /** Validates a decoded JSON value; a throw marks that record as damaged. */
  parse?: (value: unknown) => T;
  /** Wall clock for the `.corrupt-<stamp>` name (default Date.now). */
  now?: () => number;
}

/** What `AppendLog.open` returns: the log, the records it holds, and what recovery dropped. */
export interface OpenedAppendLog<T> {
  log: AppendLog<T>;
  records: T[];
  recovery: AppendLogRecovery;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

// One queue holds every operation in call order, so an append called before a
// rewrite lands in the old file and one called after lands in the new file.
type Op =
  | ({ kind: 'append'; frame: Buffer } & Waiter)
  | ({ kind: 'rewrite'; data: Buffer; count: number } & Waiter)
  | ({ kind: 'close' } & Waiter);

export class AppendLog<T> implements AsyncDisposable {
  private readonly queue: Op[] = [];
  private draining = false;
  private closing?: Promise<void>;
  /** Set when the file's durable state is unknown (a failed sync); every later operation rejects with it. */
  private failure?: Error;
  private syncs = 0;

  private constructor(
    /** Absolute path of the log file. */
    readonly path: string,
    private handle: FileHandle,
    private bytes: number,
    private records: number,
  ) {}

  /** Opens (creating if missing) the log at `path`, returns its intact records; cuts a torn tail, sets damage aside. */
  static async open<T>(path: string, opts: AppendLogOptions<T> = {}): Promise<OpenedAppendLog<T>> {
    const file = resolve(path);
    const parse = opts.parse ?? ((value: unknown) => value as T);
    let handle = await openOrCreate(file);
    try {
      const data = await handle.readFile().catch((err) => {
        throw ioError(file, 'read', err);
      });
      const scanned = scanFrames(data, parse);
      const repaired = await repairLog(file, handle, data, scanned, (opts.now ?? Date.now)());
      handle = repaired.handle;
      const recovery: AppendLogRecovery = { tornBytes: scanned.torn?.bytes ?? 0 };
      if (scanned.torn) recovery.tornReason = scanned.torn.reason;
      if (repaired.damage) recovery.damage = repaired.damage;
      const log = new AppendLog<T>(file, handle, repaired.size, scanned.records.length);
      return { log, records: scanned.records, recovery };
    } catch (err) {
      await handle.close().catch(() => {});
      throw err;
    }
  }

  /** Appends one record; resolves once it is durable (fdatasync), rejects with LimitError when too large. */
  async append(record: T): Promise<void> {
    this.assertOpen();
    const frame = encodeFrame(record, this.path);
    return new Promise<void>((resolve, reject) => this.enqueue({ kind: 'append', frame, resolve, reject }));
  }

  /** Atomically replaces the file with exactly `records` (compaction); later appends go to the new file. */
  async rewrite(records: readonly T[]): Promise<void> {
    this.assertOpen();
    // Encode up front so a record over the limit rejects before anything is touched.
    const frames = records.map((r) => encodeFrame(r, this.path));
    const data = Buffer.concat(frames);
    return new Promise<void>((resolve, reject) =>
      this.enqueue({ kind: 'rewrite', data, count: frames.length, resolve, reject }),
    );
  }

  /** Waits for pending appends, then closes the file. Later appends reject. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => this.enqueue({ kind: 'close', resolve, reject }));
    return this.closing;
  }

  /** Same as close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Closes the file as a crash of its process would leave it: appends still queued are
   * never written (they reject); a write already handed to the kernel finishes, as it
   * would in the page cache. Resolves once the file is closed, so nothing of this log
   * touches the file afterwards (a peer restarted in the same process reopens it).
   */
  crash(): Promise<void> {
    this.failure ??= new Error(`append log ${this.path} crashed`);
    return this.close();
  }

  /** Records and bytes in the file, and sync rounds done since open. */
  stats(): AppendLogStats {
    return { records: this.records, bytes: this.bytes, syncs: this.syncs };
  }

  private assertOpen(): void {
    if (this.closing) throw new Error(`append log ${this.path} is closed`);
    if (this.failure) throw this.failure;
  }

  private enqueue(op: Op): void {
    this.queue.push(op);
    if (this.draining) return;
    this.draining = true;
    // Start on a microtask, so appends made in the same tick share the first write.
    queueMicrotask(() => void this.drain());
  }

  /** Runs queued operations one at a time; never throws (each op's waiter gets the error). */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head.kind === 'append') {
        await this.writeBatch(this.takeBatch());
      } else {
        this.queue.shift();
        if (head.kind === 'rewrite') await this.runRewrite(head);
        else await this.runClose(head);
      }
    }
    this.draining = false;
  }

  /** Removes the leading run of appends, up to MAX_BATCH_BYTES (always at least one). */
  private takeBatch(): Array<Op & { kind: 'append' }> {
    let n = 0;
    let size = 0;
    for (const op of this.queue) {
      if (op.kind !== 'append') break;
      if (n > 0 && size + op.frame.length > MAX_BATCH_BYTES) break;
      size += op.frame.length;
      n++;
    }
    return this.queue.splice(0, n) as Array<Op & { kind: 'append' }>;
  }

  private async writeBatch(batch: Array<Op & { kind: 'append' }>): Promise<void> {
    if (this.failure) return rejectAll(batch, this.failure);
    const data = batch.length === 1 ? batch[0]!.frame : Buffer.concat(batch.map((op) => op.frame));
    try {
      await writeFully(this.handle, data, this.bytes);
    } catch (err) {
      const error = ioError(this.path, 'append to', err);
      // A short write may have left part of the batch on disk; cut it so the
      // next batch starts at a record boundary. If even that fails, the file
      // is in an unknown state and the log refuses further work.
      try {
        await this.handle.truncate(this.bytes);
      } catch (truncErr) {
        this.failure = ioError(this.path, 'truncate after a failed write to', truncErr);
      }
      return rejectAll(batch, error);
    }
    try {
      await this.handle.datasync();
    } catch (err) {
      // After a failed fsync Linux may already have dropped the dirty pages and
      // marked them clean, so a retry could "succeed" without the data: give up.
      this.failure = ioError(this.path, 'sync', err);
      return rejectAll(batch, this.failure);
    }
    this.syncs++;
    this.bytes += data.length;
    this.records += batch.length;
    for (const op of batch) op.resolve();
  }

  private async runRewrite(op: Op & { kind: 'rewrite' }): Promise<void> {
    if (this.failure) return op.reject(this.failure);
    const tmp = `${this.path}.rewrite-tmp`;
    try {
      const out = await open(tmp, 'w', 0o600);
      try {
        await writeFully(out, op.data, 0);
        await out.sync();
      } finally {
        await out.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      // Nothing has replaced the log yet: it stays valid and usable.
      return op.reject(ioError(this.path, 'rewrite', err));
    }
    // The path now names the new file; appends must go there from here on.
    try {
      const fresh = await open(this.path, 'r+');
      const old = this.handle;
      this.handle = fresh;
      await old.close().catch(() => {});
      this.bytes = op.data.length;
      this.records = op.count;
      // Until the directory is synced, a crash could bring back the old file.
      await syncDirectory(dirname(this.path));
    } catch (err) {
      this.failure = ioError(this.path, 'reopen after rewriting', err);
      return op.reject(this.failure);
    }
    this.syncs++;
    op.resolve();
  }

  private async runClose(op: Op & { kind: 'close' }): Promise<void> {
    try {
      await this.handle.close();
      op.resolve();
    } catch (err) {
      op.reject(ioError(this.path, 'close', err));
    }
  }
}

/** Opens `path` read/write, creating it and its directories (durably) when missing. */
async function openOrCreate(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(path, 'open', err);
  }
  let handle: FileHandle | undefined;
  try {
    const dir = dirname(path);
    const firstCreated = await mkdir(dir, { recursive: true, mode: 0o700 });
    // 'a' creates without clobbering a file another opener made meanwhile, but
    // ignores write positions on Linux, so reopen as 'r+' to write at offsets.
    await (await open(path, 'a', 0o600)).close();
    handle = await open(path, 'r+');
    // A new file (and any new directory) exists after a crash only once its
    // parent directory has been synced.
    await syncDirectory(dir);
    if (firstCreated !== undefined) {
      for (let d = dir; d !== dirname(firstCreated); d = dirname(d)) await syncDirectory(dirname(d));
    }
    return handle;
  } catch (err) {
    await handle?.close().catch(() => {});
    throw ioError(path, 'create', err);
  }
}

/** Writes all of `data` at `position`, looping over short writes. */
async function writeFully(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

function rejectAll(ops: Waiter[], err: Error): void {
  for (const op of ops) op.reject(err);
}
