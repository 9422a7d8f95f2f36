/**
 * A damaged store, as a user meets it with real peer processes: one flipped
 * byte in a history or group log costs that one record, the peer says so (stderr,
 * the `store_corrupt` error event in --json and on the control API's Events
 * stream, the `store.corrupt_records` counter), keeps the damaged bytes in a
 * `.corrupt-` file, and starts clean the next time.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StartedPeerProcess } from '../lab/runtimes/process/peer-process.js';
import type { PeerEvent } from '../peer/events.js';
import { createPeers } from './support/peers.js';
import { waitFor } from './support/wait-for.js';

type ErrorEvent = Extract<PeerEvent, { type: 'error' }>;
const isStoreCorrupt = (e: PeerEvent): e is ErrorEvent => e.type === 'error' && e.code === 'store_corrupt';
const corruptRecords = async (peer: StartedPeerProcess) => (await peer.control.stats()).counters['store.corrupt_records'];

/** XORs one bit of the byte at `at` (a fraction of the file's length) in `path`. */
async function flipByteAt(path: string, at: number | ((bytes: Buffer) => number)): Promise<void> {
  const bytes = await readFile(path);
  const offset = typeof at === 'number' ? Math.floor(bytes.length * at) : at(bytes);
  bytes[offset] = bytes[offset]! ^ 0x01;
  await writeFile(path, bytes);
}

/** Checks what a user sees of one damaged log after `peer` restarted; returns the event. */
async function expectReported(peer: StartedPeerProcess, log: string): Promise<ErrorEvent> {
  const event = await peer.waitForEvent(isStoreCorrupt, 10_000, 'the store_corrupt event in --json');
  const corruptPath = /kept in (\S+)$/.exec(event.message)?.[1];
  expect(event.message).toContain(`${log} lost 1 record (every other record kept)`);
  expect(corruptPath).toMatch(new RegExp(`^${log.replace(/[.]/g, '\\.')}\\.corrupt-\\d{8}T\\d{6}\\.\\d{3}Z$`));
  expect(await readdir(dirname(log))).toContain(basename(corruptPath!));
  await waitFor(() => peer.stderr.includes(`peerlab: ${event.message}\n`), 10_000, 'the line on stderr', () => peer.stderr);
  expect(await corruptRecords(peer)).toBe(1);
  // A control API client that subscribes after the start still hears it, first.
  const heard: PeerEvent[] = [];
  const subscription = peer.control.subscribe((e) => heard.push(e));
  try {
    await waitFor(() => heard.length > 0, 10_000, 'an event on the control stream');
    expect(heard[0]).toEqual(event);
  } finally {
    subscription.close();
  }
  return event;
}

describe('a damaged store', () => {
  it('a flipped byte in the middle of a history log costs one message; the rest stay, and the damage is reported', async () => {
    await using fleet = await createPeers(0);
    const alice = await fleet.start('alice');
    let bob = await fleet.start('bob');
    await fleet.waitForMesh(15_000);
    const texts = Array.from({ length: 30 }, (_, i) => `note ${i}`);
    for (const text of texts) await alice.control.send('bob', text);
    await waitFor(async () => (await bob.control.history(alice.id)).length === texts.length, 20_000, 'bob to store every note');
    await bob.stop();

    const log = join(fleet.dir, 'bob', 'history', `${alice.id}.log`);
    await flipByteAt(log, 0.5);
    bob = await fleet.start('bob');

    await expectReported(bob, log);
    const kept = (await bob.control.history(alice.id)).map((e) => e.text);
    expect(kept).toHaveLength(texts.length - 1);
    const lost = texts.filter((t) => !kept.includes(t));
    expect(kept).toEqual(texts.filter((t) => t !== lost[0]));
    // The middle of the file, not its ends.
    expect(lost[0]).not.toBe(texts[0]);
    expect(lost[0]).not.toBe(texts.at(-1));

    // Repaired for good: the next start is clean and keeps what the last one kept.
    await bob.stop();
    bob = await fleet.start('bob');
    expect((await bob.control.history(alice.id)).map((e) => e.text)).toEqual(kept);
    expect(await corruptRecords(bob)).toBe(0);
    expect(bob.events.filter(isStoreCorrupt)).toEqual([]);
    expect(bob.stderr).not.toContain('store damaged');
  });

  it('a damaged room message costs only itself, and anti-entropy brings it back from a neighbour', async () => {
    await using fleet = await createPeers(0, { extraArgs: ['--digest-interval', '300'] });
    const alice = await fleet.start('alice');
    let bob = await fleet.start('bob');
    await fleet.waitForMesh(15_000);
    const texts = Array.from({ length: 10 }, (_, i) => `room note ${i}`);
    for (const text of texts) await alice.control.say('everyone', text);
    await waitFor(async () => (await bob.control.roomHistory('everyone')).length === texts.length, 20_000, 'bob to store every room note');
    await bob.stop();

    const log = join(fleet.dir, 'bob', 'groups.log');
    await flipByteAt(log, (bytes) => bytes.indexOf('"text":"room note 4"') + 9);
    bob = await fleet.start('bob');

    await expectReported(bob, log);
    // Alice is still up: the room note bob lost may already be back, every other one never left.
    const right = await bob.control.roomHistory('everyone');
    expect(right.map((e) => e.text)).toEqual(expect.arrayContaining(texts.filter((t) => t !== 'room note 4')));
    await waitFor(
      async () => (await bob.control.roomHistory('everyone')).map((e) => e.text).join('|') === texts.join('|'),
      20_000,
      'the lost room note to come back by anti-entropy',
    );
  });
});
