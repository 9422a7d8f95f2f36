/**
 * A hostile party against real peer processes: the test itself plays
 * Mallory, speaking the wire protocol over real sockets with its own code.
 */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Announcement, PeerWireClient, type HandshakeReply, type Item } from '../proto/gen/peerlab/wire/v1/wire.pb.js';
import { encodeAnnouncement, signAnnouncement } from '../peer/discovery/announcement.js';
import { generateIdentity, type Identity } from '../peer/identity/identity.js';
import { PROTOCOL_VERSION } from '../peer/limits.js';
import { createInit, generateEphemeralKey } from '../peer/session/handshake.js';
import { SESSION_METADATA_KEY } from '../peer/shell/wire-options.js';
import { openLoopbackSender } from './support/multicast-loopback.js';
import { openHostileSession } from './support/hostile-session.js';
import { createPeers, type PeerFleet } from './support/peers.js';
import { waitFor } from './support/wait-for.js';

let fleet: PeerFleet;

beforeAll(async () => {
  fleet = await createPeers(2);
  await fleet.waitForMesh(15_000);
});

afterAll(async () => {
  await fleet?.[Symbol.asyncDispose]();
});

const alice = () => fleet.peers[0]!;
const bob = () => fleet.peers[1]!;

async function counter(peer: ReturnType<typeof bob>, name: string): Promise<number> {
  return (await peer.control.stats()).counters[name] ?? 0;
}

/** Mallory's own session to bob: a real handshake under her own identity, then the raw stream. */
const openSession = (identity: Identity) => openHostileSession(identity, bob().id, bob().ready.grpcPort);

const direct = (id: string, text: string): Item => ({ kind: { $case: 'direct', value: { id, text, sentAtMs: Date.now() } } });
const messagesWith = (text: string) => bob().events.filter((e) => e.type === 'message' && e.text === text);

describe('sessions refuse what was not sealed by the other end', () => {
  it('a replayed frame is rejected and its message shown once', async () => {
    const mallory = generateIdentity();
    const session = await openSession(mallory);
    const frame = session.seal([direct('replay-1', 'once only')]);
    session.stream.write(frame);
    await bob().waitForEvent((e) => e.type === 'message' && e.messageId === 'replay-1', 10_000, 'the genuine frame');
    // The ack proves bob stored it: a frame came back sealed under the session's other key.
    await waitFor(() => session.received.some((i) => i.kind?.$case === 'ack' && i.kind.value.id === 'replay-1'), 10_000, 'the ack');
    const before = await counter(bob(), 'session.frames_rejected.replay');
    session.stream.write(frame);
    const status = await session.ended;
    expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(status.details).toMatch(/replay/);
    expect(await counter(bob(), 'session.frames_rejected.replay')).toBe(before + 1);
    expect(messagesWith('once only')).toHaveLength(1);
    session.close();
  });

  it('a tampered frame is rejected and nothing in it is shown', async () => {
    const session = await openSession(generateIdentity());
    const frame = session.seal([direct('tamper-1', 'tampered text')]);
    const ciphertext = Buffer.from(frame.ciphertext);
    ciphertext[3]! ^= 0x20;
    const before = await counter(bob(), 'session.frames_rejected.auth');
    session.stream.write({ counter: frame.counter, ciphertext });
    const status = await session.ended;
    expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(await counter(bob(), 'session.frames_rejected.auth')).toBe(before + 1);
    expect(messagesWith('tampered text')).toHaveLength(0);
    session.close();
  });

  it('a stream without a handshake is refused', async () => {
    const client = new PeerWireClient(`127.0.0.1:${bob().ready.grpcPort}`, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set(SESSION_METADATA_KEY, randomBytes(16).toString('hex'));
    const stream = client.session(metadata);
    stream.on('error', () => undefined);
    const status = await new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
    expect(status.code).toBe(grpc.status.UNAUTHENTICATED);
    client.close();
  });
});

describe("nobody can pass for another peer", () => {
  it("a handshake that presents alice's key without her private key is refused", async () => {
    const mallory = generateIdentity();
    const client = new PeerWireClient(`127.0.0.1:${bob().ready.grpcPort}`, grpc.credentials.createInsecure());
    const init = createInit(mallory, generateEphemeralKey(), { nonce: randomBytes(16), responderId: bob().id, name: 'alice', grpcPort: 1 });
    const aliceKey = Buffer.from((await alice().control.whoami()).publicKeyHex, 'hex');
    const error = await new Promise<grpc.ServiceError>((resolve) =>
      client.handshake({ ...init, identityKey: aliceKey }, (err) => resolve(err!)),
    );
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(error.details).toMatch(/signature/);
    client.close();
  });

  it("announcements claiming alice's id are dropped, and alice's entry stays hers", async () => {
    const mallory = generateIdentity();
    const aliceId = alice().id;
    const sender = await openLoopbackSender(fleet.network.group, fleet.network.port);
    // Mallory's own key with alice's id: the id does not hash from the key.
    const body = Announcement.encode({
      version: PROTOCOL_VERSION,
      publicKey: mallory.publicKey,
      id: aliceId,
      name: 'alice',
      grpcPort: 9,
      seq: Date.now() * 10,
      knownPeers: [],
      host: '',
      sentAtMs: Date.now(),
    }).finish();
    const beforeMismatch = await counter(bob(), 'discovery.multicast.dropped.id_mismatch');
    const beforeSignature = await counter(bob(), 'discovery.multicast.dropped.bad_signature');
    await sender.send(signAnnouncement(mallory, Announcement.decode(body)));
    // Alice's key and id, signed by Mallory.
    const aliceKey = Buffer.from((await alice().control.whoami()).publicKeyHex, 'hex');
    await sender.send(signAnnouncement(mallory, { ...Announcement.decode(body), publicKey: aliceKey }));
    await sender.close();
    await waitFor(
      async () =>
        (await counter(bob(), 'discovery.multicast.dropped.id_mismatch')) === beforeMismatch + 1 &&
        (await counter(bob(), 'discovery.multicast.dropped.bad_signature')) === beforeSignature + 1,
      10_000,
      'both forged announcements to be counted as dropped',
    );
    const entry = (await bob().control.listPeers()).find((p) => p.id === aliceId);
    expect(entry?.grpcPort).toBe(alice().ready.grpcPort);
  });

  it("a peer that hints alice's id at its own address cannot open a session as alice", async () => {
    // Mallory runs a real PeerWire server that answers handshakes with her own key.
    const mallory = generateIdentity();
    const server = new grpc.Server();
    const { PeerWireService } = await import('../proto/gen/peerlab/wire/v1/wire.pb.js');
    const { createReply } = await import('../peer/session/handshake.js');
    server.addService(PeerWireService, {
      exchange: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED }),
      handshake: (call: grpc.ServerUnaryCall<Parameters<typeof createReply>[2], HandshakeReply>, cb: grpc.sendUnaryData<HandshakeReply>) =>
        cb(null, createReply(mallory, generateEphemeralKey(), call.request, { name: 'carol', sessionId: randomBytes(16) }).reply),
      session: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.end(),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    // Carol is a peer bob has never heard from directly; Mallory claims carol lives at her server.
    const carol = generateIdentity();
    const sender = await openLoopbackSender(fleet.network.group, fleet.network.port);
    const packet = encodeAnnouncement(mallory, {
      name: 'mallory',
      grpcPort: port,
      seq: 1,
      sentAtMs: Date.now(),
      knownPeers: [{ id: carol.id, name: 'carol', host: '127.0.0.1', grpcPort: port }],
    });
    try {
      await waitFor(
        async () => {
          await sender.send(packet);
          return (await bob().control.listPeers()).some((p) => p.id === carol.id && p.source === 'hint');
        },
        10_000,
        'the hint about carol',
        undefined,
        50,
      );
      // A hint is listed, never announced: bob has not heard from carol herself.
      expect(bob().events.some((e) => e.type === 'peer_up' && e.peerId === carol.id)).toBe(false);
      const before = await counter(bob(), 'handshake.rejected.id_mismatch');
      await bob().control.send(carol.id, 'for carol only');
      await waitFor(async () => (await counter(bob(), 'handshake.rejected.id_mismatch')) > before, 15_000, 'the handshake to be refused');
      const stats = await bob().control.stats();
      expect(stats.outboxPending).toBeGreaterThanOrEqual(1);
      expect(bob().events.some((e) => e.type === 'session_up' && e.peerId === carol.id)).toBe(false);
      expect(bob().events.some((e) => e.type === 'delivered' && e.toId === carol.id)).toBe(false);
    } finally {
      await sender.close();
      server.forceShutdown();
    }
  });
});

describe('trust on first use', () => {
  it('a second key under a known name raises name_conflict and never re-binds the name', async () => {
    // Same name as bob (p1), a different identity: a reinstall, or someone else.
    const other = await fleet.start('p1', { dataDir: `${fleet.dir}/p1-elsewhere` });
    try {
      const warning = await alice().waitForEvent((e) => e.type === 'name_conflict' && e.name === 'p1', 15_000, 'the name_conflict warning');
      expect(warning).toMatchObject({ knownId: bob().id, claimingId: other.id });
      expect(await counter(alice(), 'trust.name_conflicts')).toBe(1);
      const peers = await alice().control.listPeers();
      expect(peers.find((p) => p.id === bob().id)).toMatchObject({ name: 'p1', nameVerified: true });
      expect(peers.find((p) => p.id === other.id)).toMatchObject({ name: `p1~${other.id.slice(0, 8)}`, nameVerified: false });
      await expect(alice().control.send('p1', 'which one?')).rejects.toThrow(/2 peers claim the name "p1"/);
    } finally {
      await other.stop();
    }
  });
});
