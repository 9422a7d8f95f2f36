/**
 * The attacker toolkit against a real peer process: each part of the protocol
 * it speaks (sessions, announcements, captures, control calls, handshake
 * refusals) must be understood by the peer, or the attacks built on it prove nothing.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeers, type PeerFleet } from '../support/peers.js';
import { waitFor } from '../support/wait-for.js';
import { controlClient } from './control.js';
import { buildInit, sendInit } from './handshake.js';
import { captureMulticast, sendDatagram } from './multicast.js';
import { openSession } from './session.js';
import { decodeSignedAnnouncement, newIdentity, signAnnouncement, signGroupMessage } from './wire.js';

let fleet: PeerFleet;

beforeAll(async () => {
  fleet = await createPeers(['bob']);
});

afterAll(async () => {
  await fleet?.[Symbol.asyncDispose]();
});

const bob = () => fleet.peers[0]!;
const bobAddress = () => `127.0.0.1:${bob().ready.grpcPort}`;

/** An announcement's fields, or undefined for a datagram that is not one. */
function tryDecode(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    return decodeSignedAnnouncement(bytes).announcement;
  } catch {
    return undefined;
  }
}

describe('the attacker toolkit speaks the protocol a real peer understands', () => {
  it("a direct message over the attacker's session is shown by the peer and acked", async () => {
    const mallory = newIdentity();
    const session = await openSession(bobAddress(), mallory, bob().id, { name: 'mallory' });
    try {
      const text = `hello from outside ${randomUUID()}`;
      session.sendDirect('attacker-direct-1', text);
      const shown = await bob().waitForEvent((e) => e.type === 'message' && e.text === text, 10_000, 'the attacker message');
      expect(shown).toMatchObject({ fromId: mallory.id, messageId: 'attacker-direct-1' });
      await session.waitForAck('attacker-direct-1', 10_000);
    } finally {
      session.close();
    }
  });

  it('a group message the attacker signs is verified and shown by the peer under its content id', async () => {
    const mallory = newIdentity();
    const session = await openSession(bobAddress(), mallory, bob().id, { name: 'mallory' });
    try {
      const text = `to everyone ${randomUUID()}`;
      const { id, item } = signGroupMessage(mallory, { room: 'everyone', text, authorName: 'mallory' });
      session.sendItems([item]);
      const shown = await bob().waitForEvent((e) => e.type === 'group_message' && e.text === text, 10_000, 'the group message');
      expect(shown).toMatchObject({ messageId: id, authorId: mallory.id, room: 'everyone', hops: 1 });
    } finally {
      session.close();
    }
  });

  it("an announcement the attacker signs and multicasts brings the attacker's id up at the peer", async () => {
    const mallory = newIdentity();
    const packet = signAnnouncement(mallory, { name: 'mallory-announces', grpcPort: 9, seq: Date.now() });
    await sendDatagram(packet, fleet.network.group, fleet.network.port);
    const up = await bob().waitForEvent((e) => e.type === 'peer_up' && e.peerId === mallory.id, 10_000, "the attacker's peer_up");
    expect(up).toMatchObject({ peerName: 'mallory-announces', grpcPort: 9 });
  });

  it("a captured announcement of the peer decodes with the peer's id and name", async () => {
    const capture = await captureMulticast(fleet.network.group, fleet.network.port);
    try {
      const fromBob = () => capture.packets.map((p) => tryDecode(p.bytes)).find((a) => a?.id === bob().id);
      await waitFor(() => fromBob() !== undefined, 10_000, "bob's announcement on the group");
      expect(fromBob()).toMatchObject({ id: bob().id, name: 'bob', grpcPort: bob().ready.grpcPort, version: 1 });
    } finally {
      await capture.close();
    }
  });

  it("the control client's Whoami returns the peer's id, and a wrong token is refused", async () => {
    const control = controlClient(bob().ready.controlPort, bob().controlToken);
    const intruder = controlClient(bob().ready.controlPort, 'not-the-token');
    try {
      const whoami = await control.call('Whoami', {});
      expect(whoami).toMatchObject({ ok: true, response: { id: bob().id, name: 'bob' } });
      expect(await intruder.call('Whoami', {})).toMatchObject({ ok: false, code: grpc.status.UNAUTHENTICATED });
    } finally {
      control.close();
      intruder.close();
    }
  });

  it('a handshake init meant for another responder id is refused', async () => {
    const mallory = newIdentity();
    const { init } = buildInit(mallory, newIdentity().id, { name: 'mallory', grpcPort: 1 });
    const result = await sendInit(bobAddress(), init);
    expect(result).toMatchObject({ ok: false, code: grpc.status.UNAUTHENTICATED });
    // The same init, addressed to bob, gets a reply: the refusal was about the responder id.
    const { init: forBob } = buildInit(mallory, bob().id, { name: 'mallory', grpcPort: 1 });
    expect(await sendInit(bobAddress(), forBob)).toMatchObject({ ok: true });
  });
});
