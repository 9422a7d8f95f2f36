/**
 * Direct messages between real peer processes: typed at the CLI, acknowledged
 * end to end, kept in the outbox across restarts of either side, shown once,
 * and kept in history.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PEERLAB_CLI } from '../lab/runtimes/process/peer-process.js';
import type { PeerEvent } from '../peer/events.js';
import { createPeers } from './support/peers.js';
import { startTerminalPeer } from './support/terminal-peer.js';
import { waitFor } from './support/wait-for.js';

type MessageEvent = Extract<PeerEvent, { type: 'message' }>;
const isMessage = (e: PeerEvent): e is MessageEvent => e.type === 'message';

describe('direct messages', () => {
  it('a message typed at one CLI appears at the other, is acknowledged, and is in both histories', async () => {
    await using fleet = await createPeers(0);
    const alice = await fleet.start('alice', { interactive: true });
    const bob = await fleet.start('bob', { interactive: true });
    await fleet.waitForMesh(15_000);
    alice.command('/send bob hello bob, this is alice');
    const sent = await alice.waitForOutput((o) => o.type === 'sent', 10_000, 'the sent line');
    const received = await bob.waitForEvent(isMessage, 10_000, 'the message at bob');
    expect(received).toMatchObject({ fromId: alice.id, fromName: 'alice', text: 'hello bob, this is alice', messageId: sent.messageId });
    await alice.waitForEvent((e) => e.type === 'delivered' && e.messageId === sent.messageId, 10_000, 'delivered at alice');
    alice.command('/history bob');
    const history = await alice.waitForOutput((o) => o.type === 'history', 10_000, 'alice history');
    expect(history.entries).toEqual([expect.objectContaining({ direction: 'out', text: 'hello bob, this is alice', delivered: true })]);
    bob.command(`/history ${alice.id.slice(0, 10)}`);
    const bobHistory = await bob.waitForOutput((o) => o.type === 'history', 10_000, 'bob history');
    expect(bobHistory.entries).toEqual([expect.objectContaining({ direction: 'in', text: 'hello bob, this is alice', peerName: 'alice' })]);
    bob.command('/send nobody hi');
    const error = await bob.waitForOutput((o) => o.type === 'error', 10_000, 'an error for an unknown peer');
    expect(error.message).toMatch(/nobody/);
  });

  it('messages sent while the recipient is down arrive once it is back, each shown exactly once', async () => {
    await using fleet = await createPeers(0);
    const alice = await fleet.start('alice');
    let bob = await fleet.start('bob');
    await fleet.waitForMesh(15_000);
    // One message while both are up, so bob is a known contact.
    const first = await alice.control.send('bob', 'before the outage');
    await bob.waitForEvent((e) => e.type === 'message' && e.messageId === first.messageId, 10_000, 'first message');
    await bob.stop();
    const texts = ['while you were out 1', 'while you were out 2', 'while you were out 3'];
    const ids: string[] = [];
    for (const text of texts) ids.push((await alice.control.send('bob', text)).messageId);
    expect((await alice.control.stats()).outboxPending).toBe(3);
    bob = await fleet.start('bob');
    for (const id of ids) await bob.waitForEvent((e) => e.type === 'message' && e.messageId === id, 20_000, `message ${id}`);
    await waitFor(async () => (await alice.control.stats()).outboxPending === 0, 15_000, 'the outbox to empty');
    const shown = bob.events.filter(isMessage).map((e) => e.text);
    expect(shown).toEqual(texts);
    // The restarted bob's history holds everything, the first message included.
    const history = await bob.control.history('alice');
    expect(history.map((e) => e.text)).toEqual(['before the outage', ...texts]);
  });

  it("a sender killed with messages in its outbox delivers them after it restarts", async () => {
    await using fleet = await createPeers(0);
    let alice = await fleet.start('alice');
    const bob = await fleet.start('bob');
    await fleet.waitForMesh(15_000);
    await alice.control.send('bob', 'hello');
    await bob.waitForEvent(isMessage, 10_000, 'first message');
    await bob.stop();
    const pending = await alice.control.send('bob', 'queued before the crash');
    await alice.kill(); // SIGKILL: no chance to flush anything more
    const bobAgain = await fleet.start('bob');
    alice = await fleet.start('alice');
    const got = await bobAgain.waitForEvent((e) => e.type === 'message' && e.messageId === pending.messageId, 20_000, 'the queued message');
    expect(got).toMatchObject({ text: 'queued before the crash', fromId: alice.id });
    await alice.waitForEvent((e) => e.type === 'delivered' && e.messageId === pending.messageId, 15_000, 'delivered after restart');
    const history = await alice.control.history('bob');
    expect(history.map((e) => [e.text, e.delivered])).toEqual([
      ['hello', true],
      ['queued before the crash', true],
    ]);
  });

  it('history survives a restart of both peers', async () => {
    await using fleet = await createPeers(0);
    const alice = await fleet.start('alice');
    const bob = await fleet.start('bob');
    await fleet.waitForMesh(15_000);
    for (let i = 0; i < 5; i++) {
      const { messageId } = await alice.control.send('bob', `note ${i}`);
      await alice.waitForEvent((e) => e.type === 'delivered' && e.messageId === messageId, 10_000, `delivery ${i}`);
    }
    await Promise.all([alice.stop(), bob.stop()]);
    const alice2 = await fleet.start('alice');
    const bob2 = await fleet.start('bob');
    expect(alice2.id).toBe(alice.id); // same identity from the data dir
    const sentSide = await alice2.control.history('bob');
    const receivedSide = await bob2.control.history('alice');
    expect(sentSide.map((e) => e.text)).toEqual(['note 0', 'note 1', 'note 2', 'note 3', 'note 4']);
    expect(sentSide.every((e) => e.delivered && e.direction === 'out')).toBe(true);
    expect(receivedSide.map((e) => e.text)).toEqual(['note 0', 'note 1', 'note 2', 'note 3', 'note 4']);
    expect(receivedSide.every((e) => e.direction === 'in')).toBe(true);
  });

  it('remote text cannot put control sequences on a terminal', async () => {
    await using fleet = await createPeers(0);
    const alice = await fleet.start('alice');
    // Bob in human mode, as a person runs it (not --json): read what he would see.
    await using bob = startTerminalPeer(fleet, 'bob');
    await bob.waitForScreen('+ alice', 15_000, 'bob to see alice');
    await alice.control.send('bob', 'look \u001b[2J\u001b[31mred\u001b]0;title\u0007 and \u202eevil');
    await bob.waitForScreen('look', 10_000, 'the message on screen');
    const line = bob.lines().find((l) => l.includes('look'))!;
    expect(line).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(line).toContain('\\u001b[2J');
    expect(line).toContain('\\u202e');
  });
});

describe('one peer per data dir', () => {
  it('a second process on the same data dir is refused and the first keeps working', async () => {
    await using fleet = await createPeers(1);
    const first = fleet.peers[0]!;
    const second = spawn(process.execPath, [PEERLAB_CLI, 'peer', '--name', 'p0', '--data', join(fleet.dir, 'p0'), '--host', '127.0.0.1',
      '--interface', '127.0.0.1', '--multicast-port', String(fleet.network.port), '--multicast-group', fleet.network.group, '--no-stdin']);
    let stderr = '';
    second.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(code).toBe(3);
    expect(stderr).toMatch(new RegExp(`in use by process ${first.pid}`));
    expect((await first.control.whoami()).id).toBe(first.id);
  });
});
