import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIMITS, LimitError } from '../limits.js';
import { AppendLog } from './append-log.js';
import { COMPACT_SLACK, OutboxStore, type OutboxEntry } from './outbox-store.js';

let dir: string;
let store: OutboxStore | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peerlab-outbox-'));
});

afterEach(async () => {
  await store?.close();
  store = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function reopen(): Promise<OutboxStore> {
  await store?.close();
  store = await OutboxStore.open(dir);
  return store;
}

function entry(n: number): OutboxEntry {
  return { messageId: `m${n}`, toId: 'b'.repeat(32), toName: 'bob', text: `hello ${n}`, sentAtMs: 1000 + n };
}

/** The raw records in outbox.log, read without the store. */
async function rawRecords(): Promise<unknown[]> {
  const { log, records } = await AppendLog.open(join(dir, 'outbox.log'));
  await log.close();
  return records;
}

describe('OutboxStore', () => {
  it('keeps pending messages across reopen, in the order added', async () => {
    const s = await reopen();
    for (let n = 0; n < 5; n++) await s.add(entry(n));
    expect(s.size).toBe(5);
    const again = await reopen();
    expect(again.pending()).toEqual([0, 1, 2, 3, 4].map(entry));
    expect(again.size).toBe(5);
  });

  it('removed messages do not come back after reopen', async () => {
    const s = await reopen();
    for (let n = 0; n < 5; n++) await s.add(entry(n));
    expect(await s.remove('m1')).toBe(true);
    expect(await s.remove('m3')).toBe(true);
    expect(await s.remove('m3')).toBe(false);
    expect(await s.remove('never')).toBe(false);
    expect(s.pending().map((e) => e.messageId)).toEqual(['m0', 'm2', 'm4']);
    const again = await reopen();
    expect(again.pending().map((e) => e.messageId)).toEqual(['m0', 'm2', 'm4']);
  });

  it('compacts the log to just the pending messages on open', async () => {
    const s = await reopen();
    for (let n = 0; n < 4; n++) await s.add(entry(n));
    await s.remove('m0');
    await s.remove('m2');
    await s.close();
    store = undefined;
    expect(await rawRecords()).toHaveLength(6);

    await reopen();
    expect(await rawRecords()).toEqual([
      { t: 'add', e: entry(1) },
      { t: 'add', e: entry(3) },
    ]);
  });

  it('compacts itself once acks outnumber pending messages by more than the slack', async () => {
    const s = await reopen();
    const total = COMPACT_SLACK + 10;
    await Promise.all(Array.from({ length: total }, (_, n) => s.add(entry(n))));
    // Remove all but the last 3; somewhere along the way dead records pass the slack.
    await Promise.all(Array.from({ length: total - 3 }, (_, n) => s.remove(`m${n}`)));
    const pendingIds = [total - 3, total - 2, total - 1].map((n) => `m${n}`);
    expect(s.pending().map((e) => e.messageId)).toEqual(pendingIds);
    // Without compaction the file would hold 2 * total - 3 records.
    expect(s.stats().records).toBeLessThan(total);

    await s.close();
    store = undefined;
    // Compaction never loses a pending message, nor revives a removed one.
    const raw = (await rawRecords()) as Array<{ t: string; e?: OutboxEntry; id?: string }>;
    expect(raw.length).toBeLessThan(total);
    expect((await reopen()).pending().map((e) => e.messageId)).toEqual(pendingIds);
  });

  it('rejects a duplicate id and keeps the first', async () => {
    const s = await reopen();
    await s.add(entry(1));
    await expect(s.add({ ...entry(1), text: 'other' })).rejects.toThrow(/m1 is already in the outbox/);
    expect((await reopen()).pending()).toEqual([entry(1)]);
  });

  it(`refuses message ${LIMITS.outboxMessages + 1} with a LimitError and writes nothing`, async () => {
    const s = await reopen();
    await Promise.all(Array.from({ length: LIMITS.outboxMessages }, (_, n) => s.add(entry(n))));
    const bytes = s.stats().bytes;
    const err = await s.add(entry(-1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitError);
    expect((err as Error).message).toMatch(new RegExp(`holds ${LIMITS.outboxMessages} messages`));
    expect(s.stats().bytes).toBe(bytes);
    // An ack makes room again.
    await s.remove('m0');
    await s.add(entry(-1));
    expect(s.size).toBe(LIMITS.outboxMessages);
  });

  it('pending() returns copies', async () => {
    const s = await reopen();
    await s.add(entry(1));
    s.pending()[0]!.text = 'changed';
    expect(s.pending()[0]!.text).toBe('hello 1');
  });
});
