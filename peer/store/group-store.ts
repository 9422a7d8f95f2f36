/**
 * Group messages on disk, in `DIR/groups.log`: every room's messages with
 * the author's signed wire form, so this peer can hand them on in
 * anti-entropy rounds after a restart. Read into memory on open; listed in
 * hybrid-logical-clock order. A record lost to damage (append-log.ts) is
 * only a gap here: while the message is recent enough for digests, anti-entropy
 * brings it back from a neighbour that has it.
 */
import { join, resolve } from 'node:path';
import { GroupMessage } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { compareHlc } from '../core/hlc.js';
import type { GossipStoreView } from '../core/gossip-router.js';
import { AppendLog, type AppendLogDamage } from './append-log.js';

/** A stored group message, as history shows it. */
export interface GroupEntry {
  messageId: string;
  room: string;
  authorId: string;
  authorName: string;
  text: string;
  hlcWallMs: number;
  hlcLogical: number;
  /** When it was stored here (wall clock). */
  receivedAtMs: number;
  /** Hops it travelled to reach this peer (0 for our own). */
  hops: number;
}

interface GroupRecord extends GroupEntry {
  /** base64 of the GroupMessage as the author signed it (ttl and hops zeroed). */
  wire: string;
}

function parseRecord(value: unknown): GroupRecord {
  const r = value as GroupRecord;
  if (typeof r !== 'object' || r === null || typeof r.messageId !== 'string' || typeof r.wire !== 'string' || typeof r.room !== 'string') {
    throw new Error('not a group record');
  }
  return r;
}

export class GroupStore implements AsyncDisposable, GossipStoreView {
  private readonly byId = new Map<string, GroupRecord>();
  /** Every record, by author wall time ascending, for digests. */
  private readonly byTime: GroupRecord[] = [];
  private readonly pending = new Set<string>();

  private constructor(
    private readonly log: AppendLog<GroupRecord>,
    /** Damage found while opening (torn tails are not damage); empty when there was none. */
    readonly damaged: AppendLogDamage[],
  ) {}

  /** Opens `dir/groups.log` and loads it. */
  static async open(dir: string): Promise<GroupStore> {
    const { log, records, recovery } = await AppendLog.open<GroupRecord>(join(resolve(dir), 'groups.log'), { parse: parseRecord });
    const store = new GroupStore(log, recovery.damage ? [recovery.damage] : []);
    for (const record of records) store.index(record);
    return store;
  }

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id) || this.pending.has(id);
  }

  /** Stores a message durably; false (nothing written) if it is already here. */
  async add(entry: GroupEntry, wire: GroupMessage): Promise<boolean> {
    if (this.has(entry.messageId)) return false;
    const record: GroupRecord = {
      ...entry,
      wire: Buffer.from(GroupMessage.encode({ ...wire, ttl: 0, hops: 0 }).finish()).toString('base64'),
    };
    // Claimed before the write, so a copy arriving meanwhile is a duplicate.
    this.pending.add(entry.messageId);
    try {
      await this.log.append(record);
      this.index(record);
    } finally {
      this.pending.delete(entry.messageId);
    }
    return true;
  }

  recent(sinceMs: number, max: number): { id: string; wallMs: number }[] {
    let lo = 0;
    let hi = this.byTime.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.byTime[mid]!.hlcWallMs < sinceMs) lo = mid + 1;
      else hi = mid;
    }
    const from = Math.max(lo, this.byTime.length - max);
    return this.byTime.slice(from).map((r) => ({ id: r.messageId, wallMs: r.hlcWallMs }));
  }

  get(id: string): { wire: GroupMessage; hops: number } | undefined {
    const record = this.byId.get(id);
    return record ? { wire: GroupMessage.decode(Buffer.from(record.wire, 'base64')), hops: record.hops } : undefined;
  }

  /** The last `limit` messages of a room, in HLC order (author id breaks ties). */
  list(room: string, limit: number): GroupEntry[] {
    const entries = this.byTime.filter((r) => r.room === room).sort(byHlc);
    return entries.slice(Math.max(0, entries.length - limit)).map(({ wire: _wire, ...entry }) => entry);
  }

  async close(): Promise<void> {
    await this.log.close();
  }

  /** Closes the log as a crash would: what is queued is never written (AppendLog.crash). */
  async crash(): Promise<void> {
    await this.log.crash();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private index(record: GroupRecord): void {
    if (this.byId.has(record.messageId)) return;
    this.byId.set(record.messageId, record);
    // Usually the newest: insert from the end.
    let i = this.byTime.length;
    while (i > 0 && this.byTime[i - 1]!.hlcWallMs > record.hlcWallMs) i--;
    this.byTime.splice(i, 0, record);
  }
}

function byHlc(a: GroupEntry, b: GroupEntry): number {
  return compareHlc({ wallMs: a.hlcWallMs, logical: a.hlcLogical }, { wallMs: b.hlcWallMs, logical: b.hlcLogical }) || a.authorId.localeCompare(b.authorId);
}
