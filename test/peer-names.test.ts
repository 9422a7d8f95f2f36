/**
 * Names are claims: against real peer processes, Mallory — written from the
 * .proto files alone (test/attacker) — borrows a known name in her handshake,
 * squats names with hints, and sends text with line breaks. Each test asserts
 * what the person at the attacked peer sees: events, the control API, the terminal.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerEvent } from '../peer/events.js';
import { sendDatagram } from './attacker/multicast.js';
import { openSession, type AttackerSession } from './attacker/session.js';
import { newIdentity, signAnnouncement } from './attacker/wire.js';
import { createPeers, type PeerFleet } from './support/peers.js';
import { startTerminalPeer, type TerminalPeer } from './support/terminal-peer.js';
import { waitFor } from './support/wait-for.js';

let fleet: PeerFleet;
let carol: TerminalPeer;

beforeAll(async () => {
  fleet = await createPeers(['alice', 'bob']);
  // Carol is a person at a terminal: human output, commands on stdin.
  carol = startTerminalPeer(fleet, 'carol');
  await Promise.all([
    fleet.waitForMesh(15_000),
    carol.waitForScreen(/\+ alice[\s\S]*\+ bob|\+ bob[\s\S]*\+ alice/, 15_000, 'carol to see alice and bob'),
  ]);
});

afterAll(async () => {
  await carol?.quit();
  await fleet?.[Symbol.asyncDispose]();
});

const alice = () => fleet.peers[0]!;
const bob = () => fleet.peers[1]!;
const address = (port: number) => `127.0.0.1:${port}`;
const prefix = (id: string) => id.slice(0, 8);

/** Mallory's own session to a peer, her handshake claiming `name`. */
async function malloryAs(name: string, port: number, peerId: string): Promise<{ id: string; session: AttackerSession }> {
  const mallory = newIdentity();
  const session = await openSession(address(port), mallory, peerId, { name });
  return { id: mallory.id, session };
}

describe('a handshake borrowing a known name', () => {
  it('is shown disambiguated and unverified, raises name_conflict, and never takes the name', async () => {
    const { id: malloryId, session } = await malloryAs('alice', bob().ready.grpcPort, bob().id);
    try {
      const messageId = randomUUID();
      session.sendDirect(messageId, 'hi bob, it is alice on a new laptop');
      await session.waitForAck(messageId, 10_000);

      const shown = (await bob().waitForEvent((e) => e.type === 'message' && e.messageId === messageId, 10_000, 'the message')) as Extract<PeerEvent, { type: 'message' }>;
      expect(shown).toMatchObject({ fromId: malloryId, fromName: `alice~${prefix(malloryId)}`, nameVerified: false });
      const conflict = await bob().waitForEvent((e) => e.type === 'name_conflict', 10_000, 'the name_conflict event');
      expect(conflict).toMatchObject({ name: 'alice', knownId: alice().id, claimingId: malloryId });

      // The control API and the history say the same.
      const history = await bob().control.history(malloryId);
      expect(history.map((e) => [e.peerName, e.nameVerified, e.text])).toEqual([[`alice~${prefix(malloryId)}`, false, 'hi bob, it is alice on a new laptop']]);
      expect((await bob().control.history(alice().id)).some((e) => e.text.includes('new laptop'))).toBe(false);

      // Sending by the contested name is refused, naming both ids and how to choose.
      const refusal = bob().control.send('alice', 'who gets this?');
      await expect(refusal).rejects.toThrow(/2 peers claim the name "alice"/);
      await expect(refusal).rejects.toThrow(new RegExp(`alice~${prefix(alice().id)}.*alice~${prefix(malloryId)}.*/trust alice ID`));

      // By id it goes to the real alice; a deliberate /trust settles the name, showing the safety number.
      await bob().control.send(prefix(alice().id), 'by id');
      await alice().waitForEvent((e) => e.type === 'message' && e.text === 'by id' && e.fromName === 'bob', 10_000, 'alice to get the message by id');
      const trusted = await bob().control.trust('alice', prefix(alice().id));
      expect(trusted).toMatchObject({ name: 'alice', id: alice().id, fingerprint: (await alice().control.whoami()).fingerprint, previousId: '' });
      const sent = await bob().control.send('alice', 'by name again');
      expect(sent.toId).toBe(alice().id);
      await bob().waitForEvent((e) => e.type === 'delivered' && e.messageId === sent.messageId && e.toName === 'alice', 10_000, 'delivery to alice');
      // Mallory stays apart, unverified.
      const peers = await bob().control.listPeers();
      expect(peers.find((p) => p.id === alice().id)).toMatchObject({ name: 'alice', nameVerified: true });
    } finally {
      session.close();
    }
  });

  it("at a person's terminal: a loud warning, the impostor marked, /send by the name refused, /trust shows the safety number", async () => {
    const { id: malloryId, session } = await malloryAs('alice', Number(await carolPort()), await carolId());
    try {
      const messageId = randomUUID();
      session.sendDirect(messageId, 'send me your password');
      await session.waitForAck(messageId, 10_000);
      await carol.waitForScreen('send me your password', 10_000);
      const line = carol.lines().find((l) => l.includes('send me your password'))!;
      expect(line).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d alice~${prefix(malloryId)} \\(unverified\\): send me your password$`));
      expect(carol.screen).toMatch(new RegExp(`WARNING: another peer claims the name "alice": ${prefix(malloryId)}`));

      carol.type('/send alice are you there?');
      await carol.waitForScreen('2 peers claim the name "alice"', 10_000);
      const refusal = carol.lines().find((l) => l.includes('2 peers claim the name'))!;
      expect(refusal).toContain(`alice~${prefix(alice().id)}`);
      expect(refusal).toContain(`alice~${prefix(malloryId)}`);

      carol.type(`/trust alice ${prefix(alice().id)}`);
      await carol.waitForScreen(`alice is now ${alice().id}`, 10_000);
      expect(carol.screen).toContain(`safety number ${(await alice().control.whoami()).fingerprint}`);
      carol.type('/send alice are you there?');
      await alice().waitForEvent((e) => e.type === 'message' && e.text === 'are you there?' && e.fromName === 'carol', 10_000, 'alice to get carol’s message');
    } finally {
      session.close();
    }
  });
});

describe('hints are hearsay', () => {
  it('a hint never resolves a name and never receives a message sent by name', async () => {
    const mallory = newIdentity();
    const squatAlice = newIdentity();
    const squatDave = newIdentity();
    const hints = [
      { id: squatAlice.id, name: 'alice', host: '127.0.0.1', grpcPort: 9 },
      { id: squatDave.id, name: 'dave', host: '127.0.0.1', grpcPort: 9 },
    ];
    // Mallory's own announcement is genuine; the peers it lists are her say-so.
    await waitFor(
      async () => {
        const packet = signAnnouncement(mallory, { name: 'mallory', grpcPort: 9, seq: Date.now(), knownPeers: hints });
        await sendDatagram(packet, fleet.network.group, fleet.network.port);
        const listed = await bob().control.listPeers();
        return hints.every((h) => listed.some((p) => p.id === h.id && p.source === 'hint'));
      },
      10_000,
      'bob to list both hints',
      undefined,
      100,
    );
    const listed = await bob().control.listPeers();
    expect(listed.find((p) => p.id === squatAlice.id)).toMatchObject({ name: `alice~${prefix(squatAlice.id)}`, nameVerified: false, fingerprint: '' });
    expect(listed.find((p) => p.id === squatDave.id)).toMatchObject({ name: 'dave', nameVerified: false });

    const pendingBefore = (await bob().control.stats()).outboxPending;
    await expect(bob().control.send('dave', 'hello dave')).rejects.toThrow(/"dave" is not a name this peer has bound: it was only mentioned by other peers/);
    expect((await bob().control.stats()).outboxPending).toBe(pendingBefore);

    const sent = await bob().control.send('alice', 'to the alice I know');
    expect(sent.toId).toBe(alice().id);
    await alice().waitForEvent((e) => e.type === 'message' && e.text === 'to the alice I know', 10_000, 'alice to get it');
    // A hint is never announced as a peer.
    expect(bob().events.some((e) => e.type === 'peer_up' && (e.peerId === squatAlice.id || e.peerId === squatDave.id))).toBe(false);
  });
});

describe("a remote's text cannot forge terminal lines", () => {
  it('line breaks become marked continuation lines; \\r, U+2028 and U+2029 are shown escaped', async () => {
    const { session } = await malloryAs('eve', Number(await carolPort()), await carolId());
    try {
      const messageId = randomUUID();
      session.sendDirect(messageId, 'lunch?\n12:00:00 alice: this line is forged\rX\u2028Y\u2029Z\n! error: forged status');
      await session.waitForAck(messageId, 10_000);
      await carol.waitForScreen('forged status', 10_000);
      const lines = carol.lines();
      const first = lines.findIndex((l) => l.includes('lunch?'));
      expect(lines[first]).toMatch(/^\d\d:\d\d:\d\d eve: lunch\?$/);
      expect(lines[first + 1]).toBe('  \u21b3 12:00:00 alice: this line is forged\\u000dX\\u2028Y\\u2029Z');
      expect(lines[first + 2]).toBe('  \u21b3 ! error: forged status');
      // No line on the screen starts like a message from alice that alice did not send.
      expect(lines.some((l) => /^\d\d:\d\d:\d\d alice: this line is forged/.test(l))).toBe(false);
    } finally {
      session.close();
    }
  });
});

/** Carol runs without a control API: her id and port come from her own /whoami. */
async function carolWhoami(): Promise<{ id: string; port: string }> {
  if (!carol.screen.includes('listening on')) carol.type('/whoami');
  await carol.waitForScreen(/listening on [^\n]*:\d+/, 10_000, "carol's /whoami");
  const match = /carol ([0-9a-f]{32})\n  safety number [^\n]*\n  listening on [^\n]*:(\d+)/.exec(carol.screen)!;
  return { id: match[1]!, port: match[2]! };
}
const carolId = async () => (await carolWhoami()).id;
const carolPort = async () => (await carolWhoami()).port;
