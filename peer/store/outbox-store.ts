import { join, resolve } from 'node:path';
import { LIMITS, LimitError } from '../limits.js';
import { AppendLog, type AppendLogRecovery } from './append-log.js';

/**
 * Messages sent but not yet acknowledged, in `DIR/outbox.log`, so the retry
 * loop resumes after a restart. An ack is an appended 'acked' record; the log
 * is compacted to just the pending messages on open and whenever acked records
 * outnumber pending ones by more than COMPACT_SLACK.
 */

/** A message waiting for its recipient's ack. */
export interface OutboxEntry {
  messageId: string;
  toId: string;
  toName: string;
  text: string;
  sentAtMs: number;
}

type OutboxRecord = { t: 'add'; e: OutboxEntry } | { t: 'acked'; id: string };

/** Dead records (acks and the adds they cancel) tolerated beyond the pending count before compacting. */
export const COMPACT_SLACK = 1000;

export class OutboxStore implements AsyncDisposable {
  // A Map iterates in insertion order, which is the order added.
  private readonly entries = new Map<string, OutboxEntry>();
  /** Records in the log that a compaction would drop. */
  private dead = 0;
  private compacting?: Promise<void>;

  private constructor(
    private readonly log: AppendLog<OutboxRecord>,
    /** What opening cut off a torn tail (droppedBytes 0 when clean). */
    readonly recovery: AppendLogRecovery,
  ) {}

  /** Opens `dir/outbox.log`, loads the pending messages and compacts the log to them. */
  static async open(dir: string): Promise<OutboxStore> {
    const { log, records, recovery } = await AppendLog.open<OutboxRecord>(join(resolve(dir), 'outbox.log'), {
      parse: parseRecord,
    });
    const store = new OutboxStore(log, recovery);
    for (const r of records) {
      if (r.t === 'add') store.entries.set(r.e.messageId, r.e);
      else store.entries.delete(r.id);
    }
    store.dead = records.length - store.entries.size;
    try {
      if (store.dead > 0) await store.compact();
    } catch (err) {
      await log.close().catch(() => {});
      throw err;
    }
    return store;
  }

  /** Number of pending messages. */
  get size(): number {
    return this.entries.size;
  }

  /** Adds a message; resolves once durable, so the caller sends only after. LimitError when full. */
  async add(entry: OutboxEntry): Promise<void> {
    checkEntry(entry);
    if (this.entries.has(entry.messageId)) {
      throw new Error(`message ${entry.messageId} is already in the outbox`);
    }
    if (this.entries.size >= LIMITS.outboxMessages) {
      const err = new LimitError('The outbox', this.entries.size + 1, LIMITS.outboxMessages);
      // LimitError's text speaks of bytes; this limit counts messages.
      err.message = `The outbox holds ${this.entries.size} messages, the limit; wait for acks before sending more`;
      throw err;
    }
    const copy = { ...entry };
    // In memory before the write, so the limit and duplicate checks see concurrent adds.
    this.entries.set(copy.messageId, copy);
    try {
      await this.log.append({ t: 'add', e: copy });
    } catch (err) {
      this.entries.delete(copy.messageId);
      throw err;
    }
  }

  /** Drops an acked message; true once the ack is durable, false when it was not pending. */
  async remove(messageId: string): Promise<boolean> {
    if (!this.entries.delete(messageId)) return false;
    // Counted now, in step with memory, so a compaction snapshot taken in
    // between agrees with this count about which records it drops.
    this.dead += 2; // the ack and the add it cancels
    // If this write fails the message stays out of memory anyway: it was
    // acked, so this run needs no more retries, and a restart may resend it
    // once from the log, which the receiver dedups. At least once, never lost.
    await this.log.append({ t: 'acked', id: messageId });
    if (this.dead > this.entries.size + COMPACT_SLACK) {
      // Housekeeping: the ack is already durable, and the next remove retries.
      await this.compact().catch(() => {});
    }
    return true;
  }

  /** Pending messages in the order added (copies). */
  pending(): OutboxEntry[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }

  /** Log counters: records in the file, bytes, syncs. */
  stats(): { records: number; bytes: number; syncs: number } {
    return this.log.stats();
  }

  /** Flushes and closes the log. */
  async close(): Promise<void> {
    await this.compacting?.catch(() => {});
    await this.log.close();
  }

  /** Same as close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Rewrites the log with just the pending messages; concurrent callers share one rewrite. */
  private compact(): Promise<void> {
    if (this.compacting) return this.compacting;
    // Snapshot now: the log orders this rewrite after every append already
    // queued and before any later one, which matches this point in memory.
    // (An add whose write fails after this snapshot is still in the new file:
    // a restart sends it, at least once rather than never.)
    const snapshot: OutboxRecord[] = [...this.entries.values()].map((e) => ({ t: 'add', e }));
    const deadBefore = this.dead;
    this.compacting = this.log
      .rewrite(snapshot)
      .then(() => {
        // Acks that came while rewriting went into the new file and stay dead there.
        this.dead -= deadBefore;
      })
      .finally(() => {
        this.compacting = undefined;
      });
    return this.compacting;
  }
}

/** Demands what parseRecord will on reopen, so no record written today drops the log's tail tomorrow. */
function checkEntry(e: OutboxEntry): void {
  if (typeof e.messageId !== 'string' || e.messageId.length === 0) {
    throw new Error(`message id ${JSON.stringify(e.messageId)} is empty or not a string`);
  }
  if (typeof e.toId !== 'string' || typeof e.toName !== 'string' || typeof e.text !== 'string') {
    throw new Error(`outbox message ${e.messageId}: toId, toName and text must be strings`);
  }
  if (!Number.isFinite(e.sentAtMs)) {
    throw new Error(`outbox message ${e.messageId}: sentAtMs must be a finite number, got ${e.sentAtMs}`);
  }
}

function parseRecord(value: unknown): OutboxRecord {
  const r = value as Record<string, unknown> | null;
  if (r?.t === 'acked' && typeof r.id === 'string') return { t: 'acked', id: r.id };
  const e = r?.t === 'add' ? (r.e as Record<string, unknown> | null) : null;
  if (
    e &&
    typeof e.messageId === 'string' &&
    typeof e.toId === 'string' &&
    typeof e.toName === 'string' &&
    typeof e.text === 'string' &&
    typeof e.sentAtMs === 'number'
  ) {
    return {
      t: 'add',
      e: { messageId: e.messageId, toId: e.toId, toName: e.toName, text: e.text, sentAtMs: e.sentAtMs },
    };
  }
  throw new Error('not an outbox record');
}
