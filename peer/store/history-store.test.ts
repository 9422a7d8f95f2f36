import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryStore } from './history-store.js';

const ALICE = 'a'.repeat(32);
const BOB = '0123456789abcdef0123456789abcdef';

let dir: string;
let store: HistoryStore | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peerlab-history-'));
});

afterEach(async () => {
  await store?.close();
  store = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function reopen(): Promise<HistoryStore> {
  await store?.close();
  store = await HistoryStore.open(dir);
  return store;
}

/** Closes the store, flips one bit inside the record of alice's log whose JSON holds `needle`, and reopens. */
async function reopenAfterDamaging(needle: string): Promise<HistoryStore> {
  await store?.close();
  store = undefined;
  const path = join(dir, 'history', `${ALICE}.log`);
  const bytes = await readFile(path);
  const at = bytes.indexOf(needle);
  expect(at).toBeGreaterThan(0);
  bytes[at + 1] = bytes[at + 1]! ^ 0x01;
  await writeFile(path, bytes);
  return reopen();
}

/** A store holding two undelivered messages to alice: o1 "first", then o2 "second". */
async function withTwoOutgoing(): Promise<HistoryStore> {
  const s = await reopen();
  await s.recordOutgoing({ messageId: 'o1', peerId: ALICE, peerName: 'alice', text: 'first', sentAtMs: 3000 });
  await s.recordOutgoing({ messageId: 'o2', peerId: ALICE, peerName: 'alice', text: 'second', sentAtMs: 3001 });
  return s;
}

function incoming(messageId: string, text = `text of ${messageId}`, peerId = ALICE) {
  return { messageId, peerId, peerName: 'alice', text, sentAtMs: 1000, atMs: 2000 };
}

describe('HistoryStore', () => {
  it('stores incoming and outgoing messages in order and reloads them', async () => {
    const s = await reopen();
    expect(await s.recordIncoming(incoming('m1'))).toBe(true);
    await s.recordOutgoing({ messageId: 'm2', peerId: ALICE, peerName: 'alice', text: 'reply', sentAtMs: 3000 });
    expect(await s.recordIncoming(incoming('m3'))).toBe(true);
    await s.recordOutgoing({ messageId: 'b1', peerId: BOB, peerName: 'bob', text: 'hi bob', sentAtMs: 4000 });

    const expected = [
      { messageId: 'm1', direction: 'in', peerId: ALICE, peerName: 'alice', text: 'text of m1', sentAtMs: 1000, atMs: 2000, delivered: true },
      { messageId: 'm2', direction: 'out', peerId: ALICE, peerName: 'alice', text: 'reply', sentAtMs: 3000, atMs: 0, delivered: false },
      { messageId: 'm3', direction: 'in', peerId: ALICE, peerName: 'alice', text: 'text of m3', sentAtMs: 1000, atMs: 2000, delivered: true },
    ];
    expect(s.list(ALICE, 10)).toEqual(expected);

    const again = await reopen();
    expect(again.list(ALICE, 10)).toEqual(expected);
    expect(again.list(ALICE, 2).map((e) => e.messageId)).toEqual(['m2', 'm3']);
    expect(again.list(ALICE, 0)).toEqual([]);
    expect(again.list(BOB, 10).map((e) => e.text)).toEqual(['hi bob']);
    expect(again.conversations().sort((a, b) => a.peerId.localeCompare(b.peerId))).toEqual([
      { peerId: BOB, peerName: 'bob', count: 1 },
      { peerId: ALICE, peerName: 'alice', count: 3 },
    ]);
    expect(await readdir(join(dir, 'history'))).toEqual([`${BOB}.log`, `${ALICE}.log`].sort());
  });

  it('dedups a retried incoming message, also across reopen', async () => {
    const s = await reopen();
    expect(await s.recordIncoming(incoming('dup', 'first'))).toBe(true);
    const size = (await stat(join(dir, 'history', `${ALICE}.log`))).size;
    expect(await s.recordIncoming(incoming('dup', 'second'))).toBe(false);
    expect((await stat(join(dir, 'history', `${ALICE}.log`))).size).toBe(size);
    expect(s.list(ALICE, 10).map((e) => e.text)).toEqual(['first']);
    expect(s.has(ALICE, 'dup')).toBe(true);
    expect(s.has(BOB, 'dup')).toBe(false);

    const again = await reopen();
    expect(await again.recordIncoming(incoming('dup', 'third'))).toBe(false);
    expect(again.list(ALICE, 10).map((e) => e.text)).toEqual(['first']);
  });

  it('dedups concurrent deliveries of the same message: exactly one returns true', async () => {
    const s = await reopen();
    const results = await Promise.all([1, 2, 3].map(() => s.recordIncoming(incoming('race'))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await reopen()).list(ALICE, 10)).toHaveLength(1);
  });

  it('the same id in another conversation is a different message', async () => {
    const s = await reopen();
    expect(await s.recordIncoming(incoming('same-id', 'from alice', ALICE))).toBe(true);
    expect(await s.recordIncoming(incoming('same-id', 'from bob', BOB))).toBe(true);
    expect(s.list(BOB, 10).map((e) => e.text)).toEqual(['from bob']);
  });

  it('an incoming message cannot shadow an outgoing one with the same id', async () => {
    const s = await reopen();
    await s.recordOutgoing({ messageId: 'x', peerId: ALICE, peerName: 'alice', text: 'mine', sentAtMs: 1 });
    expect(await s.recordIncoming(incoming('x', 'theirs'))).toBe(true);
    expect(await s.markDelivered(ALICE, 'x', 5)).toBe(true);
    expect(s.list(ALICE, 10).map((e) => [e.direction, e.text, e.delivered])).toEqual([
      ['out', 'mine', true],
      ['in', 'theirs', true],
    ]);
  });

  it('keeps delivered state across reopen', async () => {
    const s = await reopen();
    await s.recordOutgoing({ messageId: 'o1', peerId: ALICE, peerName: 'alice', text: 'one', sentAtMs: 10 });
    await s.recordOutgoing({ messageId: 'o2', peerId: ALICE, peerName: 'alice', text: 'two', sentAtMs: 20 });
    expect(await s.markDelivered(ALICE, 'o1', 15)).toBe(true);
    expect(await s.markDelivered(ALICE, 'o1', 16)).toBe(false);
    expect(await s.markDelivered(ALICE, 'nope', 16)).toBe(false);
    expect(await s.markDelivered(BOB, 'o1', 16)).toBe(false);
    await s.recordIncoming(incoming('i1'));
    expect(await s.markDelivered(ALICE, 'i1', 16)).toBe(false);

    const again = await reopen();
    const byId = Object.fromEntries(again.list(ALICE, 10).map((e) => [e.messageId, e]));
    expect(byId.o1).toMatchObject({ delivered: true, atMs: 15 });
    expect(byId.o2).toMatchObject({ delivered: false, atMs: 0 });
    expect(await again.markDelivered(ALICE, 'o1', 17)).toBe(false);
    expect(await again.markDelivered(ALICE, 'o2', 25)).toBe(true);
    expect((await reopen()).list(ALICE, 10).map((e) => e.delivered)).toEqual([true, true, true]);
  });

  it('the undelivered outgoing messages are the outbox: oldest first, across conversations and reopen', async () => {
    const s = await reopen();
    await s.recordOutgoing({ messageId: 'late', peerId: BOB, peerName: 'bob', text: 'second', sentAtMs: 2000 });
    await s.recordOutgoing({ messageId: 'early', peerId: ALICE, peerName: 'alice', text: 'first', sentAtMs: 1000 });
    await s.recordOutgoing({ messageId: 'acked', peerId: ALICE, peerName: 'alice', text: 'done', sentAtMs: 1500 });
    expect(await s.recordIncoming(incoming('in1'))).toBe(true);
    await s.markDelivered(ALICE, 'acked', 1600);
    expect(s.pendingOutgoing().map((e) => e.messageId)).toEqual(['early', 'late']);
    const again = await reopen();
    expect(again.pendingOutgoing().map((e) => [e.messageId, e.peerId, e.text])).toEqual([
      ['early', ALICE, 'first'],
      ['late', BOB, 'second'],
    ]);
    await again.markDelivered(BOB, 'late', 2500);
    expect((await reopen()).pendingOutgoing().map((e) => e.messageId)).toEqual(['early']);
  });

  it('list returns copies that cannot change the store', async () => {
    const s = await reopen();
    await s.recordIncoming(incoming('m1'));
    s.list(ALICE, 1)[0]!.text = 'changed';
    expect(s.list(ALICE, 1)[0]!.text).toBe('text of m1');
  });

  it.each(['../../etc/passwd', 'A'.repeat(32), 'a'.repeat(31), 'a'.repeat(33), `${'a'.repeat(31)}/`, ''])(
    'rejects the bad peer id %j and creates no file',
    async (bad) => {
      const s = await reopen();
      await expect(s.recordIncoming(incoming('m', 'x', bad))).rejects.toThrow(/is not 32 lowercase hex digits/);
      await expect(
        s.recordOutgoing({ messageId: 'm', peerId: bad, peerName: 'n', text: 't', sentAtMs: 1 }),
      ).rejects.toThrow(/is not 32 lowercase hex digits/);
      await expect(s.markDelivered(bad, 'm', 1)).rejects.toThrow(/is not 32 lowercase hex digits/);
      expect(() => s.list(bad, 1)).toThrow(/is not 32 lowercase hex digits/);
      expect(await readdir(join(dir, 'history'))).toEqual([]);
    },
  );

  it('recovers a conversation whose last record was torn by a crash, without calling it damage', async () => {
    const s = await reopen();
    await s.recordIncoming(incoming('m1'));
    await s.recordIncoming(incoming('m2'));
    await s.close();
    store = undefined;
    await appendFile(join(dir, 'history', `${ALICE}.log`), Buffer.from([0, 0, 0, 50, 1, 2]));

    const again = await reopen();
    expect(again.list(ALICE, 10).map((e) => e.messageId)).toEqual(['m1', 'm2']);
    expect(again.damaged).toEqual([]);
    expect(await again.recordIncoming(incoming('m3'))).toBe(true);
    expect((await reopen()).list(ALICE, 10)).toHaveLength(3);
  });

  it('keeps the messages after a damaged one, and reports the damage', async () => {
    const s = await reopen();
    for (const id of ['m1', 'm2', 'm3', 'm4']) await s.recordIncoming(incoming(id));

    const again = await reopenAfterDamaging('text of m2');
    expect(again.list(ALICE, 10).map((e) => e.messageId)).toEqual(['m1', 'm3', 'm4']);
    expect(again.damaged).toEqual([
      expect.objectContaining({ path: join(dir, 'history', `${ALICE}.log`), lostRecords: 1, corruptPath: expect.stringContaining(`${ALICE}.log.corrupt-`) }),
    ]);
    // The .corrupt- file is not mistaken for a conversation, and the next open is clean.
    const third = await reopen();
    expect(third.damaged).toEqual([]);
    expect(third.conversations()).toEqual([{ peerId: ALICE, peerName: 'alice', count: 3 }]);
  });

  it('an outgoing message whose ack record is lost is pending again, and can be acked again', async () => {
    const s = await withTwoOutgoing();
    expect(await s.markDelivered(ALICE, 'o1', 5000)).toBe(true);
    expect(await s.markDelivered(ALICE, 'o2', 5001)).toBe(true);

    const again = await reopenAfterDamaging('"id":"o1"');
    expect(again.damaged.map((d) => d.lostRecords)).toEqual([1]);
    expect(again.pendingOutgoing().map((e) => e.messageId)).toEqual(['o1']);
    expect(again.list(ALICE, 10).map((e) => [e.messageId, e.delivered])).toEqual([['o1', false], ['o2', true]]);
    // The recipient dedupes the resend and acks it again: it is delivered once more, durably.
    expect(await again.markDelivered(ALICE, 'o1', 7000)).toBe(true);
    expect((await reopen()).pendingOutgoing()).toEqual([]);
  });

  it('an ack whose message record is lost is ignored; the other messages stand', async () => {
    const s = await withTwoOutgoing();
    await s.recordIncoming(incoming('m1'));
    expect(await s.markDelivered(ALICE, 'o1', 5000)).toBe(true);

    const again = await reopenAfterDamaging('"text":"first"');
    expect(again.damaged.map((d) => d.lostRecords)).toEqual([1]);
    expect(again.list(ALICE, 10).map((e) => e.messageId)).toEqual(['o2', 'm1']);
    expect(again.has(ALICE, 'o1')).toBe(false);
    expect(again.pendingOutgoing().map((e) => e.messageId)).toEqual(['o2']);
    // A late duplicate ack for the lost message changes nothing.
    expect(await again.markDelivered(ALICE, 'o1', 6000)).toBe(false);
  });

  it('refuses a value JSON cannot keep, so it never poisons the log', async () => {
    const s = await reopen();
    await s.recordIncoming(incoming('ok'));
    await expect(s.recordIncoming({ ...incoming('nan'), sentAtMs: Number.NaN })).rejects.toThrow(/sentAtMs must be a finite number/);
    await s.recordOutgoing({ messageId: 'o', peerId: ALICE, peerName: 'alice', text: 't', sentAtMs: 1 });
    await expect(s.markDelivered(ALICE, 'o', Number.POSITIVE_INFINITY)).rejects.toThrow(/atMs must be a finite number/);
    await s.recordIncoming(incoming('after'));
    const again = await reopen();
    expect(again.damaged).toEqual([]);
    expect(again.list(ALICE, 10).map((e) => e.messageId)).toEqual(['ok', 'o', 'after']);
  });

  it('rejects use after close', async () => {
    const s = await reopen();
    await s.close();
    store = undefined;
    await expect(s.recordIncoming(incoming('late'))).rejects.toThrow(/is closed/);
  });
});
