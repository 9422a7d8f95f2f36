import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isPeerId } from '../identity/identity.js';
import { LIMITS, LimitError, quote, utf8Length } from '../limits.js';
import { AppendLog, type AppendLogDamage } from './append-log.js';

/**
 * Chat history, one append-only log per conversation in `DIR/history/<peerId>.log`,
 * all held in memory once opened. A delivery ack is stored as its own small
 * record rather than by rewriting the message, so every change is one append.
 *
 * A damaged log loses single records, not its tail (append-log.ts), so either
 * record of a message may be gone while the other survives. An ack whose message
 * is gone is ignored. A message whose ack is gone is pending again: the outbox
 * resends it, the recipient (which dedupes by id) acks it again, and it is marked
 * delivered a second time. An incoming message that is gone stays gone: its
 * sender already has the ack.
 */

/** One message in a conversation, as shown to the user. */
export interface HistoryEntry {
  messageId: string;
  direction: 'in' | 'out';
  /** The other side of the conversation (never this peer). */
  peerId: string;
  peerName: string;
  text: string;
  /** When the sender sent it, by the sender's clock. */
  sentAtMs: number;
  /** 'in': when it was stored here. 'out': when the ack came, 0 until then. */
  atMs: number;
  /** 'in': always true. 'out': true once the recipient acked it. */
  delivered: boolean;
}

/** What `recordIncoming` needs. */
export type IncomingMessage = Pick<HistoryEntry, 'messageId' | 'peerId' | 'peerName' | 'text' | 'sentAtMs' | 'atMs'>;
/** What `recordOutgoing` needs. */
export type OutgoingMessage = Pick<HistoryEntry, 'messageId' | 'peerId' | 'peerName' | 'text' | 'sentAtMs'>;

/** A conversation in `conversations()`. */
export interface ConversationSummary {
  peerId: string;
  /** The name of the latest entry, since a peer may rename itself. */
  peerName: string;
  count: number;
}

type HistoryRecord =
  | { t: 'msg'; e: HistoryEntry }
  | { t: 'delivered'; id: string; at: number };

interface Conversation {
  peerId: string;
  log: AppendLog<HistoryRecord>;
  entries: HistoryEntry[];
  /** Incoming and outgoing ids apart: a remote must not be able to shadow our own message ids. */
  incoming: Map<string, HistoryEntry>;
  outgoing: Map<string, HistoryEntry>;
  /** Incoming messages whose write is in flight, so a concurrent retry waits for the outcome. */
  writing: Map<string, Promise<void>>;
}

const LOG_NAME = /^([0-9a-f]{32})\.log$/;

export class HistoryStore implements AsyncDisposable {
  private readonly byPeer = new Map<string, Conversation>();
  // Opening is async; keep the promise so two first messages to a new peer share one log.
  private readonly opening = new Map<string, Promise<Conversation>>();
  private closed = false;

  private constructor(
    private readonly dir: string,
    /** Damage found while opening, one per damaged conversation log (torn tails are not damage). */
    readonly damaged: AppendLogDamage[],
  ) {}

  /** Opens `dir/history/` and loads every conversation into memory. */
  static async open(dir: string): Promise<HistoryStore> {
    const historyDir = join(resolve(dir), 'history');
    await mkdir(historyDir, { recursive: true, mode: 0o700 });
    const store = new HistoryStore(historyDir, []);
    const names = (await readdir(historyDir)).sort();
    try {
      for (const name of names) {
        const match = LOG_NAME.exec(name);
        // Anything else (e.g. a temp file left by a crash during compaction) is not a conversation.
        if (match) await store.conversation(match[1]!);
      }
    } catch (err) {
      await store.close().catch(() => {});
      throw err;
    }
    return store;
  }

  /** Stores a received message; false (nothing written) when this conversation already has its id. */
  async recordIncoming(e: IncomingMessage): Promise<boolean> {
    checkMessage(e);
    const c = await this.conversation(e.peerId);
    for (;;) {
      const inFlight = c.writing.get(e.messageId);
      if (inFlight) {
        // A retry of a message still being written: answer only once we know it is durable.
        await inFlight.catch(() => {});
        continue;
      }
      if (c.incoming.has(e.messageId)) return false;
      break;
    }
    const entry: HistoryEntry = {
      messageId: e.messageId,
      direction: 'in',
      peerId: e.peerId,
      peerName: e.peerName,
      text: e.text,
      sentAtMs: e.sentAtMs,
      atMs: e.atMs,
      delivered: true,
    };
    const write = this.add(c, entry);
    c.writing.set(e.messageId, write);
    try {
      await write;
    } finally {
      c.writing.delete(e.messageId);
    }
    return true;
  }

  /** Stores a message this peer sent, not yet delivered; resolves once durable. */
  async recordOutgoing(e: OutgoingMessage): Promise<void> {
    checkMessage(e);
    const c = await this.conversation(e.peerId);
    if (c.outgoing.has(e.messageId)) {
      throw new Error(`outgoing message ${e.messageId} to ${e.peerId} is already in the history`);
    }
    await this.add(c, { ...e, direction: 'out', atMs: 0, delivered: false });
  }

  /** Marks an outgoing message acked at `atMs`; false when unknown or already delivered. */
  async markDelivered(peerId: string, messageId: string, atMs: number): Promise<boolean> {
    checkPeerId(peerId);
    checkTime(atMs, 'atMs');
    this.assertOpen();
    const c = this.byPeer.get(peerId) ?? (await this.opening.get(peerId));
    const entry = c?.outgoing.get(messageId);
    if (!c || !entry || entry.delivered) return false;
    // Change memory before the write so a concurrent duplicate ack sees it and returns false.
    entry.delivered = true;
    entry.atMs = atMs;
    try {
      await c.log.append({ t: 'delivered', id: messageId, at: atMs });
    } catch (err) {
      entry.delivered = false;
      entry.atMs = 0;
      throw err;
    }
    return true;
  }

  /** The most recent `limit` entries with `peerId`, oldest first (copies). */
  list(peerId: string, limit: number): HistoryEntry[] {
    checkPeerId(peerId);
    const entries = this.byPeer.get(peerId)?.entries ?? [];
    if (!(limit > 0)) return [];
    return entries.slice(-Math.floor(limit)).map((e) => ({ ...e }));
  }

  /** True when the conversation with `peerId` holds `messageId`, in either direction. */
  has(peerId: string, messageId: string): boolean {
    checkPeerId(peerId);
    const c = this.byPeer.get(peerId);
    return c !== undefined && (c.incoming.has(messageId) || c.outgoing.has(messageId));
  }

  /**
   * Outgoing messages not yet acknowledged, oldest first: the outbox. The history
   * is its only record, so sending writes one record and an ack one more.
   */
  pendingOutgoing(): HistoryEntry[] {
    const pending: HistoryEntry[] = [];
    for (const c of this.byPeer.values()) {
      for (const entry of c.outgoing.values()) if (!entry.delivered) pending.push({ ...entry });
    }
    return pending.sort((a, b) => a.sentAtMs - b.sentAtMs);
  }

  /** Every non-empty conversation, with the peer's latest name and its entry count. */
  conversations(): ConversationSummary[] {
    const out: ConversationSummary[] = [];
    for (const c of this.byPeer.values()) {
      const last = c.entries.at(-1);
      if (last) out.push({ peerId: c.peerId, peerName: last.peerName, count: c.entries.length });
    }
    return out;
  }

  /** Flushes and closes every conversation log. */
  close(): Promise<void> {
    return this.closeLogs((log) => log.close());
  }

  /** Closes every conversation log as a crash would: what is queued is never written (AppendLog.crash). */
  crash(): Promise<void> {
    return this.closeLogs((log) => log.crash());
  }

  private async closeLogs(close: (log: AppendLog<HistoryRecord>) => Promise<void>): Promise<void> {
    this.closed = true;
    const pending = await Promise.allSettled(this.opening.values());
    const logs = [...this.byPeer.values()].map((c) => c.log);
    for (const p of pending) if (p.status === 'fulfilled' && !logs.includes(p.value.log)) logs.push(p.value.log);
    const results = await Promise.allSettled(logs.map(close));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Same as close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Appends an entry: in memory at once (keeps memory in log order), removed again if the write fails. */
  private async add(c: Conversation, entry: HistoryEntry): Promise<void> {
    const index = entry.direction === 'in' ? c.incoming : c.outgoing;
    c.entries.push(entry);
    index.set(entry.messageId, entry);
    try {
      await c.log.append({ t: 'msg', e: { ...entry } });
    } catch (err) {
      const at = c.entries.lastIndexOf(entry);
      if (at >= 0) c.entries.splice(at, 1);
      index.delete(entry.messageId);
      throw err;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`history store ${this.dir} is closed`);
  }

  /** The conversation with `peerId`, opening (or creating) its log on first use. */
  private async conversation(peerId: string): Promise<Conversation> {
    this.assertOpen();
    const known = this.byPeer.get(peerId);
    if (known) return known;
    let opening = this.opening.get(peerId);
    if (!opening) {
      opening = this.load(peerId);
      this.opening.set(peerId, opening);
      opening.then(
        (c) => {
          this.opening.delete(peerId);
          if (!this.closed) this.byPeer.set(peerId, c);
        },
        () => this.opening.delete(peerId),
      );
    }
    return opening;
  }

  private async load(peerId: string): Promise<Conversation> {
    const path = join(this.dir, `${peerId}.log`);
    const { log, records, recovery } = await AppendLog.open<HistoryRecord>(path, {
      parse: (value) => parseRecord(value, peerId),
    });
    if (recovery.damage) this.damaged.push(recovery.damage);
    const c: Conversation = {
      peerId,
      log,
      entries: [],
      incoming: new Map(),
      outgoing: new Map(),
      writing: new Map(),
    };
    for (const r of records) {
      if (r.t === 'msg') {
        const index = r.e.direction === 'in' ? c.incoming : c.outgoing;
        if (index.has(r.e.messageId)) continue; // cannot be written twice, but a hand-edited file could
        c.entries.push(r.e);
        index.set(r.e.messageId, r.e);
      } else {
        // Undefined when the message's own record was lost to damage: nothing to mark.
        const entry = c.outgoing.get(r.id);
        if (entry) {
          entry.delivered = true;
          entry.atMs = r.at;
        }
      }
    }
    return c;
  }
}

/** Rejects a peer id that is not 32 lowercase hex digits; it becomes a file name. */
function checkPeerId(peerId: string): void {
  if (typeof peerId !== 'string' || !isPeerId(peerId)) {
    throw new Error(`peer id ${quote(peerId)} is not 32 lowercase hex digits`);
  }
}

/**
 * Checks what parseRecord will demand on reopen. A value that JSON cannot keep
 * (NaN turns into null) would make its record unparsable later, and the log
 * would set it aside as damaged.
 */
function checkMessage(e: { messageId: string; peerId: string; peerName: string; text: string; sentAtMs: number; atMs?: number }): void {
  checkPeerId(e.peerId);
  if (typeof e.messageId !== 'string' || e.messageId.length === 0) {
    throw new Error(`message id ${quote(e.messageId)} is empty or not a string`);
  }
  if (utf8Length(e.messageId) > LIMITS.messageIdBytes) {
    throw new LimitError('A message id', utf8Length(e.messageId), LIMITS.messageIdBytes, 'bytes', e.messageId);
  }
  if (typeof e.text !== 'string' || typeof e.peerName !== 'string') {
    throw new Error(`message ${e.messageId}: text and peerName must be strings`);
  }
  checkTime(e.sentAtMs, 'sentAtMs');
  if (e.atMs !== undefined) checkTime(e.atMs, 'atMs');
}

function checkTime(ms: number, what: string): void {
  if (!Number.isFinite(ms)) throw new Error(`${what} must be a finite number, got ${ms}`);
}

/** Validates one stored record; a throw makes AppendLog treat it as damaged. */
function parseRecord(value: unknown, peerId: string): HistoryRecord {
  const r = value as Record<string, unknown> | null;
  if (r?.t === 'delivered' && typeof r.id === 'string' && typeof r.at === 'number') {
    return { t: 'delivered', id: r.id, at: r.at };
  }
  const e = r?.t === 'msg' ? (r.e as Record<string, unknown> | null) : null;
  if (
    e &&
    typeof e.messageId === 'string' &&
    (e.direction === 'in' || e.direction === 'out') &&
    e.peerId === peerId &&
    typeof e.peerName === 'string' &&
    typeof e.text === 'string' &&
    typeof e.sentAtMs === 'number' &&
    typeof e.atMs === 'number' &&
    typeof e.delivered === 'boolean'
  ) {
    return {
      t: 'msg',
      e: {
        messageId: e.messageId,
        direction: e.direction,
        peerId,
        peerName: e.peerName,
        text: e.text,
        sentAtMs: e.sentAtMs,
        atMs: e.atMs,
        delivered: e.delivered,
      },
    };
  }
  throw new Error('not a history record');
}
