/**
 * Group messages by signed gossip among 20 real peer processes: everyone gets
 * every broadcast, forgeries and replays are refused at the first hop and never
 * forwarded, a flooder is cut off, and a peer that was down catches up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupBody, type GroupMessage, type Item } from '../proto/gen/peerlab/wire/v1/wire.pb.js';
import { createGroupMessage } from '../peer/gossip/group-codec.js';
import type { PeerEvent } from '../peer/events.js';
import { generateIdentity } from '../peer/identity/identity.js';
import type { StartedPeerProcess } from '../lab/runtimes/process/peer-process.js';
import { openHostileSession } from './support/hostile-session.js';
import { createPeers, type PeerFleet } from './support/peers.js';
import { waitFor } from './support/wait-for.js';

const N = 20;
let fleet: PeerFleet;

beforeAll(async () => {
  fleet = await createPeers(N, { extraArgs: ['--digest-interval', '500'] });
  await fleet.waitForMesh(60_000);
}, 120_000);

afterAll(async () => {
  await fleet?.[Symbol.asyncDispose]();
});

type GroupEvent = Extract<PeerEvent, { type: 'group_message' }>;
const groupMessages = (peer: StartedPeerProcess, messageId: string) =>
  peer.events.filter((e): e is GroupEvent => e.type === 'group_message' && e.messageId === messageId);
const live = () => fleet.peers.filter((p) => p.isRunning);
const counter = async (peer: StartedPeerProcess, name: string) => (await peer.control.stats()).counters[name] ?? 0;

async function everyoneHas(messageIds: string[], peers = live(), timeoutMs = 30_000): Promise<void> {
  await Promise.all(
    peers.map((peer) =>
      peer.waitUntil(() => (messageIds.every((id) => groupMessages(peer, id).length > 0) ? true : undefined), timeoutMs, `${peer.spec.name} to have ${messageIds.length} group messages`),
    ),
  );
}

describe('gossip among 20 peers', () => {
  it('every broadcast from several authors reaches all 20, each shown once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await fleet.peers[i % 4]!.control.say('everyone', `broadcast ${i}`)).messageId);
    await everyoneHas(ids);
    for (const peer of fleet.peers) {
      for (const id of ids) expect(groupMessages(peer, id)).toHaveLength(1);
    }
    // Hops are recorded: the author sees its own at 0, the others at 1 or more.
    const hops = fleet.peers.slice(4).flatMap((p) => ids.map((id) => groupMessages(p, id)[0]!.hops));
    expect(Math.min(...hops)).toBeGreaterThanOrEqual(1);
    expect(groupMessages(fleet.peers[0]!, ids[0]!)[0]!.hops).toBe(0);
  });

  it('room messages are shown only to members, and history is in causal order', async () => {
    const members = fleet.peers.slice(0, 5);
    for (const peer of members) await peer.control.joinRoom('ops');
    const first = await members[0]!.control.say('ops', 'deploy at noon?');
    await members[1]!.waitForEvent((e) => e.type === 'group_message' && e.messageId === first.messageId, 20_000, 'the question');
    // Written after reading the first, so its hybrid clock orders it after, whatever the wall clocks say.
    const second = await members[1]!.control.say('ops', 'yes, noon');
    await everyoneHas([first.messageId, second.messageId], members);
    const outsider = fleet.peers[10]!;
    // Outsiders relay and keep the room (they can read it with /history #ops) but are not shown it.
    await waitFor(async () => (await outsider.control.roomHistory('ops')).length === 2, 20_000, 'the outsider to store the room');
    expect(groupMessages(outsider, first.messageId)).toHaveLength(0);
    const history = await members[4]!.control.roomHistory('ops');
    expect(history.map((e) => e.text)).toEqual(['deploy at noon?', 'yes, noon']);
    expect(history[0]!.hlcWallMs * 1000 + history[0]!.hlcLogical).toBeLessThan(history[1]!.hlcWallMs * 1000 + history[1]!.hlcLogical);
  });

  it('a forged signature, an altered body and a replayed old message are refused and never forwarded', async () => {
    const target = fleet.peers[7]!;
    const mallory = generateIdentity();
    const alice = fleet.peers[0]!;
    const session = await openHostileSession(mallory, target.id, target.ready.grpcPort);
    const group = (wire: GroupMessage): Item => ({ kind: { $case: 'group', value: wire } });
    const now = Date.now();
    // 1. Claims alice as author: alice's key, Mallory's signature.
    const aliceKey = Buffer.from((await alice.control.whoami()).publicKeyHex, 'hex');
    const forgedBody = Buffer.from(
      GroupBody.encode({ authorId: alice.id, authorName: 'p0', room: 'everyone', text: 'forged by mallory', hlcWallMs: now, hlcLogical: 0 }).finish(),
    );
    const forged: GroupMessage = { body: forgedBody, signature: mallory.sign(forgedBody), authorKey: aliceKey, ttl: 8, hops: 0 };
    // 2. A genuine message by Mallory with its text changed after signing.
    const genuine = createGroupMessage(mallory, { authorName: 'mallory', room: 'everyone', text: 'original', hlc: { wallMs: now, logical: 0 }, ttl: 8 });
    const alteredBody = Buffer.from(GroupBody.encode({ ...genuine.body, text: 'altered in transit' }).finish());
    const altered: GroupMessage = { ...genuine.wire, body: alteredBody };
    // 3. A properly signed message from an hour ago: a replay the seen-cache can no longer vouch for.
    const old = createGroupMessage(mallory, { authorName: 'mallory', room: 'everyone', text: 'an old message', hlc: { wallMs: now - 3_600_000, logical: 0 }, ttl: 8 });
    const before = {
      signature: await counter(target, 'gossip.rejected.bad_signature'),
      stale: await counter(target, 'gossip.rejected.stale'),
    };
    session.send([group(forged), group(altered), group(old.wire)]);
    await waitFor(
      async () =>
        (await counter(target, 'gossip.rejected.bad_signature')) === before.signature + 2 &&
        (await counter(target, 'gossip.rejected.stale')) === before.stale + 1,
      10_000,
      'the three messages to be refused',
    );
    // A genuine one sent after them does spread: proof the refused ones would have, had they passed.
    session.send([group(genuine.wire)]);
    await everyoneHas([genuine.id]);
    for (const peer of fleet.peers) {
      const texts = peer.events.filter((e): e is GroupEvent => e.type === 'group_message').map((e) => e.text);
      expect(texts).not.toContain('forged by mallory');
      expect(texts).not.toContain('altered in transit');
      expect(texts).not.toContain('an old message');
    }
    session.close();
  });

  it('a neighbour that floods invalid messages is disconnected, and the counter says why', async () => {
    const target = fleet.peers[8]!;
    const mallory = generateIdentity();
    const session = await openHostileSession(mallory, target.id, target.ready.grpcPort);
    const junk: Item[] = Array.from({ length: 30 }, (_, i) => ({
      kind: { $case: 'group', value: { body: Buffer.from(`junk ${i}`), signature: Buffer.alloc(64, i), authorKey: mallory.publicKey, ttl: 3, hops: 0 } },
    }));
    session.send(junk);
    const status = await session.ended;
    expect(status.details).toMatch(/invalid group messages/);
    expect(await counter(target, 'gossip.disconnected.invalid_flood')).toBe(1);
    // And it may not come straight back.
    await expect(openHostileSession(mallory, target.id, target.ready.grpcPort)).rejects.toThrow(/refusing/);
  });

  it('a peer restarted after missing 100 messages catches up', async () => {
    const absent = fleet.peers[N - 1]!;
    await absent.stop();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push((await fleet.peers[i % 5]!.control.say('everyone', `while p19 was away ${i}`)).messageId);
    await everyoneHas(ids);
    const back = await fleet.start(absent.spec.name, { extraArgs: ['--digest-interval', '500'] });
    await everyoneHas(ids, [back], 60_000);
    const history = await back.control.roomHistory('everyone', 10_000);
    const texts = new Set(history.map((e) => e.text));
    for (let i = 0; i < 100; i++) expect(texts.has(`while p19 was away ${i}`)).toBe(true);
    // Caught up by anti-entropy (push gossip never resends old messages): it traded digests —
    // its own (answered by pushes of what it lacked) or a neighbour's (answered by pulls) —
    // and received at least the 100 copies.
    const digests = (await counter(back, 'gossip.digests_sent')) + (await counter(back, 'gossip.digests_received'));
    expect(digests).toBeGreaterThan(0);
    expect(await counter(back, 'gossip.copies_received')).toBeGreaterThanOrEqual(100);
  });
});
