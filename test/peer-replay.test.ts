/**
 * Old presence is not presence: alice's own signed announcements, captured off
 * the wire and replayed byte for byte after she stopped, do not bring her back at
 * bob. Within the window bob refuses them because he remembers her last seq; once
 * he has forgotten it, because their signed sent_at_ms is outside the window.
 * Packets are captured with a plain UDP socket (the attacker toolkit's) or a bare
 * gRPC server and replayed as they are; the peer's own codec is not used.
 */
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { PeerWireClient, PeerWireService, SignedAnnouncement } from '../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { StartedPeerProcess } from '../lab/runtimes/process/peer-process.js';
import { captureMulticast, sendDatagram } from './attacker/multicast.js';
import { decodeSignedAnnouncement } from './attacker/wire.js';
import { counterOf, createPeers } from './support/peers.js';
import { waitFor } from './support/wait-for.js';

// Short, so the test outlives it quickly; expiry well inside it, so the first replays land within it.
const WINDOW_MS = 3000;
const SETTINGS = { extraArgs: ['--announce-window', String(WINDOW_MS)], settings: { announceIntervalMs: 200, expireAfterMs: 1000 } };

/** The sender id written in a captured announcement. */
function senderOf(packet: Uint8Array): string {
  return decodeSignedAnnouncement(packet).announcement.id as string;
}

/** What bob shows of alice after she went down: no peer_up since, and no entry in ListPeers. */
async function expectGone(bob: StartedPeerProcess, aliceId: string): Promise<void> {
  const down = bob.events.findIndex((e) => e.type === 'peer_down' && e.peerId === aliceId);
  expect(down).toBeGreaterThanOrEqual(0);
  expect(bob.events.slice(down).filter((e) => e.type === 'peer_up' && e.peerId === aliceId)).toEqual([]);
  expect((await bob.control.listPeers()).map((p) => p.id)).not.toContain(aliceId);
}

/** Waits until a counter of `peer` reaches `value`, then checks it did not overshoot. */
async function expectCounter(peer: StartedPeerProcess, name: string, value: number): Promise<void> {
  await waitFor(async () => (await counterOf(peer, name)) >= value, 10_000, `${name} to reach ${value}`, undefined, 50);
  expect(await counterOf(peer, name)).toBe(value);
}

/** Waits until `peer` has forgotten every gone peer's last seq (its window has passed). */
async function waitUntilForgotten(peer: StartedPeerProcess): Promise<void> {
  await waitFor(async () => (await counterOf(peer, 'discovery.remembered_seqs')) === 0, WINDOW_MS + 15_000, 'the seq memory to be empty', undefined, 100);
}

describe('replayed announcements after their author stopped', () => {
  it('multicast: bob shows no peer_up for alice, and counts every replay as stale', async () => {
    await using fleet = await createPeers(['bob'], SETTINGS);
    const bob = fleet.peers[0]!;
    const capture = await captureMulticast(fleet.network.group, fleet.network.port);
    let captured: Buffer[];
    let alice: StartedPeerProcess;
    try {
      alice = await fleet.start('alice');
      await bob.waitForEvent((e) => e.type === 'peer_up' && e.peerId === alice.id, 15_000, 'bob to see alice');
      const fromAlice = () => capture.packets.map((p) => p.bytes).filter((bytes) => senderOf(bytes) === alice.id);
      await waitFor(() => fromAlice().length >= 5, 10_000, "five of alice's announcements on the wire");
      await alice.stop();
      await bob.waitForEvent((e) => e.type === 'peer_down' && e.peerId === alice.id, 15_000, 'bob to expire alice');
      captured = fromAlice();
    } finally {
      await capture.close();
    }
    const replay = (packet: Buffer) => sendDatagram(packet, fleet.network.group, fleet.network.port);
    const latest = captured.slice(-3);
    const stale = 'discovery.multicast.dropped.stale';

    // Just after she left: bob remembers the last seq he accepted from her.
    expect(await counterOf(bob, 'discovery.remembered_seqs')).toBe(1);
    const before = await counterOf(bob, stale);
    for (const packet of latest) await replay(packet);
    await expectCounter(bob, stale, before + latest.length);
    await expectGone(bob, alice.id);

    // Her window has passed and bob has forgotten her seq: only sent_at_ms stops a replay now.
    await waitUntilForgotten(bob);
    await replay(captured[0]!);
    await replay(captured.at(-1)!);
    await expectCounter(bob, stale, before + latest.length + 2);
    await expectGone(bob, alice.id);
  });

  it('seed Exchange: a replayed request is not news to bob, and once the window has passed it is refused', async () => {
    // A bare PeerWire server that alice also has as a seed: it keeps what she sends.
    const requests: SignedAnnouncement[] = [];
    const recorder = new grpc.Server();
    recorder.addService(PeerWireService, {
      exchange: (call: grpc.ServerUnaryCall<SignedAnnouncement, SignedAnnouncement>, cb: grpc.sendUnaryData<SignedAnnouncement>) => {
        requests.push(call.request);
        cb({ code: grpc.status.UNAVAILABLE, details: 'recording only' });
      },
      handshake: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED }),
      session: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.end(),
    });
    const recorderPort = await new Promise<number>((resolve, reject) =>
      recorder.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    try {
      await using fleet = await createPeers(['bob'], { ...SETTINGS, extraArgs: [...SETTINGS.extraArgs, '--no-multicast'] });
      const bob = fleet.peers[0]!;
      const seeds = ['--seed', `127.0.0.1:${bob.ready.grpcPort}`, '--seed', `127.0.0.1:${recorderPort}`];
      const alice = await fleet.start('alice', { extraArgs: [...SETTINGS.extraArgs, '--no-multicast', ...seeds] });
      await bob.waitForEvent((e) => e.type === 'peer_up' && e.peerId === alice.id, 15_000, 'bob to see alice');
      await waitFor(() => requests.length >= 5, 10_000, "five of alice's Exchange requests");
      await alice.stop();
      await bob.waitForEvent((e) => e.type === 'peer_down' && e.peerId === alice.id, 15_000, 'bob to expire alice');
      const client = new PeerWireClient(`127.0.0.1:${bob.ready.grpcPort}`, grpc.credentials.createInsecure());
      const replay = (request: SignedAnnouncement) =>
        new Promise<grpc.ServiceError | null>((resolve) => client.exchange(request, (err) => resolve(err)));
      const stale = 'discovery.seed.dropped.stale';
      try {
        // Within the window: bob answers (the request is well signed and fresh) but takes no news from it.
        const before = await counterOf(bob, stale);
        expect(await replay(requests.at(-1)!)).toBeNull();
        await expectCounter(bob, stale, before + 1);
        await expectGone(bob, alice.id);

        // After the window: refused outright, saying why.
        await waitUntilForgotten(bob);
        const refused = await replay(requests.at(-1)!);
        expect(refused?.details).toMatch(/announcement refused: stale: its sent_at_ms is \d+ ms behind this peer's clock, outside the window of 3000 ms/);
        await expectCounter(bob, stale, before + 2);
        await expectGone(bob, alice.id);
      } finally {
        client.close();
      }
    } finally {
      recorder.forceShutdown();
    }
  });
});
