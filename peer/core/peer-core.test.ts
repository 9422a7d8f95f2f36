/**
 * The peer core on the test world (testing/world.ts): several cores on one
 * virtual clock, no sockets, no files, no timers. What a user of each peer
 * would observe (events, command results) is what is asserted.
 */
import { describe, expect, it } from 'vitest';
import type { Item } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { World, type WorldPeer } from './testing/world.js';
import { claimsWriteGapMs } from './names-core.js';

/** Items a peer put on the wire, of one kind. */
function transmitted(world: World, peer: WorldPeer, kind: NonNullable<Item['kind']>['$case']): Array<{ at: number; item: Item }> {
  return world.log
    .filter((entry) => entry.peer === peer.name && entry.action.type === 'transmit')
    .flatMap((entry) => (entry.action.type === 'transmit' ? entry.action.items.map((item) => ({ at: entry.at, item })) : []))
    .filter(({ item }) => item.kind?.$case === kind);
}

function startAll(world: World, ...peers: WorldPeer[]): void {
  for (const peer of peers) world.start(peer);
}

/** Two peers that have heard each other (both with `options`). */
function pair(seed = 1, options: Parameters<World['add']>[1] = {}): { world: World; a: WorldPeer; b: WorldPeer } {
  const world = new World(seed);
  const a = world.add('alice', options);
  const b = world.add('bob', options);
  startAll(world, a, b);
  expect(world.runUntil(() => a.core.knows(b.id) && b.core.knows(a.id), 5_000)).toBe(true);
  return { world, a, b };
}

describe('peer core on the test world', () => {
  it('three cores discover each other by multicast, each announcing the other two', () => {
    const world = new World(7);
    const peers = ['p1', 'p2', 'p3'].map((name) => world.add(name));
    startAll(world, ...peers);
    expect(world.runUntil(() => peers.every((p) => p.emitted('peer_up').length === 2), 5_000)).toBe(true);
    world.runFor(100);
    for (const peer of peers) {
      const others = peers.filter((p) => p !== peer);
      expect(peer.emitted('peer_up').map((e) => e.peerId).sort()).toEqual(others.map((p) => p.id).sort());
      expect(peer.core.peers(world.now).map((v) => v.name).sort()).toEqual(others.map((p) => p.name).sort());
      expect(peer.core.selfAddress).toBe(peer.host);
    }
  });

  it('a direct message opens a session, and its ack goes out only after the recipient stored it', () => {
    const { world, a, b } = pair();
    b.heldStores = [];
    const send = world.command(a, (token) => ({ type: 'send', token, to: { id: b.id, name: 'bob' }, text: 'hello bob' }));
    expect(world.runUntil(() => b.heldStores!.length === 1, 5_000)).toBe(true);
    expect(a.results.get(send)).toMatchObject({ ok: true });
    expect(a.emitted('session_up')).toHaveLength(1);
    expect(b.emitted('session_up')).toHaveLength(1);
    // The message reached bob, but his disk has not confirmed it: no ack, nothing shown, not delivered.
    world.runFor(3_000);
    expect(transmitted(world, b, 'ack')).toHaveLength(0);
    expect(b.emitted('message')).toHaveLength(0);
    expect(a.emitted('delivered')).toHaveLength(0);
    const releasedAt = world.now;
    world.releaseStores(b);
    expect(world.runUntil(() => a.emitted('delivered').length === 1, 5_000)).toBe(true);
    expect(transmitted(world, b, 'ack')[0]!.at).toBeGreaterThanOrEqual(releasedAt);
    expect(b.emitted('message').map((m) => m.text)).toEqual(['hello bob']);
    expect(a.core.gauges().outboxPending).toBe(0);
  });

  it('a store that fails is an error event, not a crash, and the message is not acked until it is stored', () => {
    const { world, a, b } = pair(13);
    b.storeError = 'no space left on device';
    world.command(a, (token) => ({ type: 'send', token, to: { id: b.id, name: 'bob' }, text: 'disk full?' }));
    expect(world.runUntil(() => b.emitted('error').length > 0, 5_000)).toBe(true);
    expect(b.emitted('error')[0]).toMatchObject({ code: 'store', message: 'could not store a direct message: no space left on device' });
    expect(b.counters.get('direct.store_errors')).toBeGreaterThanOrEqual(1);
    expect(transmitted(world, b, 'ack')).toHaveLength(0);
    // The disk is back: the sender's resend is stored, acked and shown once.
    b.storeError = undefined;
    expect(world.runUntil(() => a.emitted('delivered').length === 1, 30_000)).toBe(true);
    expect(b.emitted('message').map((m) => m.text)).toEqual(['disk full?']);
  });

  it('a message left in the outbox by a crash is resent after the restart and shown once', () => {
    const { world, a, b } = pair(3);
    world.crash(b);
    world.command(a, (token) => ({ type: 'send', token, to: { id: b.id, name: 'bob' }, text: 'while you were out' }));
    world.runFor(1_000);
    expect(a.stores.pendingOutgoing()).toHaveLength(1);
    world.crash(a);
    world.runFor(1_000);
    world.start(b);
    world.start(a);
    expect(world.runUntil(() => a.emitted('delivered').length === 1, 20_000)).toBe(true);
    world.runFor(5_000);
    expect(b.emitted('message').map((m) => m.text)).toEqual(['while you were out']);
    expect(a.stores.pendingOutgoing()).toHaveLength(0);
  });

  it('a group message reaches every peer by gossip', () => {
    const world = new World(11);
    const peers = ['g1', 'g2', 'g3', 'g4', 'g5', 'g6'].map((name) => world.add(name, { gossip: { fanout: 2, ttl: 4, digestIntervalMs: 1000, neighbours: 8 } }));
    startAll(world, ...peers);
    expect(world.runUntil(() => peers.every((p) => p.core.peers(world.now).length === 5), 5_000)).toBe(true);
    const say = world.command(peers[0]!, (token) => ({ type: 'say', token, room: 'everyone', text: 'hello all' }));
    expect(world.runUntil(() => peers.every((p) => p.emitted('group_message').length === 1), 10_000)).toBe(true);
    expect(peers[0]!.results.get(say)).toMatchObject({ ok: true });
    for (const peer of peers) expect(peer.emitted('group_message')[0]).toMatchObject({ text: 'hello all', authorId: peers[0]!.id });
  });

  it('a session that goes silent is closed after three keepalive intervals', () => {
    const { world, a, b } = pair(5);
    world.command(a, (token) => ({ type: 'send', token, to: { id: b.id, name: 'bob' }, text: 'hi' }));
    expect(world.runUntil(() => a.emitted('delivered').length === 1, 5_000)).toBe(true);
    b.muted = true;
    const mutedAt = world.now;
    expect(world.runUntil(() => a.emitted('session_down').length === 1, 10_000)).toBe(true);
    const down = a.emitted('session_down')[0]!;
    expect(down.reason).toMatch(/^no frame for \d+ ms$/);
    expect(world.now - mutedAt).toBeGreaterThan(3 * a.options.keepaliveMs);
    expect(a.counters.get('session.keepalive_timeout')).toBe(1);
  });

  it('keepalive pings only a session that has been silent: none beside gossip digests, about one per interval (not two) when idle', () => {
    const pingsOver = (world: World, ms: number) => {
      const from = world.now;
      world.runFor(ms);
      return world.log.filter((e) => e.at > from && e.action.type === 'transmit' && e.action.items.some((item) => item.kind?.$case === 'ping')).length;
    };
    const intervals = 20;
    for (const digestIntervalMs of [1000, 60_000]) {
      const world = new World(6);
      const [a, b] = ['alice', 'bob'].map((name) => world.add(name, { gossip: { fanout: 2, ttl: 4, digestIntervalMs, neighbours: 8 } })) as [WorldPeer, WorldPeer];
      startAll(world, a, b);
      world.command(a, (token) => ({ type: 'send', token, to: { id: b.id, name: 'bob' }, text: 'hi' }));
      expect(world.runUntil(() => a.emitted('delivered').length === 1, 5_000)).toBe(true);
      const pings = pingsOver(world, intervals * a.options.keepaliveMs);
      if (digestIntervalMs === 1000) {
        // A digest each way every second already proves both ends alive.
        expect(pings).toBe(0);
      } else {
        // Each end used to ping every interval (2 × 20); a ping heard spares the other end its own.
        expect(pings).toBeGreaterThanOrEqual(intervals / 2);
        expect(pings).toBeLessThanOrEqual(intervals + 2);
      }
      expect([...a.emitted('session_down'), ...b.emitted('session_down')]).toEqual([]);
    }
  });

  it('names bound while a trust write is in flight go out together in one more write after a gap, and a stop writes what still waits', () => {
    const world = new World(12);
    const a = world.add('alice');
    const others = Array.from({ length: 12 }, (_, i) => world.add(`peer${i}`));
    const trustWrites = () => world.log.filter((e) => e.peer === 'alice' && e.action.type === 'store' && e.action.write.kind === 'trust').length;
    a.heldStores = [];
    startAll(world, a, ...others);
    expect(world.runUntil(() => a.counters.get('trust.bound') === 12, 5_000)).toBe(true);
    // Twelve names bound: one write in flight (held), the eleven after it wait for it.
    expect(trustWrites()).toBe(1);
    world.releaseStores(a);
    // ... and then for the gap after it, so writes of the whole book never run back to back.
    world.runFor(claimsWriteGapMs(13) - 50);
    expect(trustWrites()).toBe(1);
    world.runFor(100);
    expect(trustWrites()).toBe(2);
    // Two more binds within the next gap wait for it; a stop does not wait, it writes them.
    const late = [world.add('late1'), world.add('late2')];
    startAll(world, ...late);
    expect(world.runUntil(() => a.counters.get('trust.bound') === 14, 5_000)).toBe(true);
    expect(trustWrites()).toBe(2);
    world.command(a, () => ({ type: 'stop' }));
    world.runFor(10);
    expect(trustWrites()).toBe(3);
  });

  it('a peer that keeps discovering newcomers writes its trust list once per gap, not once per write finished', () => {
    const world = new World(13);
    const a = world.add('alice');
    startAll(world, a);
    // A newcomer every 50 ms for 1.5 s: 30 binds, and every write finishes at once.
    for (let i = 0; i < 30; i++) {
      startAll(world, world.add(`n${i}`));
      world.runFor(50);
    }
    expect(world.runUntil(() => a.counters.get('trust.bound') === 30, 10_000)).toBe(true);
    world.runFor(claimsWriteGapMs(30) + 100);
    const writes = world.log.filter((e) => e.peer === 'alice' && e.action.type === 'store' && e.action.write.kind === 'trust').map((e) => e.at);
    // Back to back it was a write per bind (each finished before the next bind came).
    expect(writes.length).toBeLessThanOrEqual(4);
    expect(writes.length).toBeGreaterThanOrEqual(2);
    const gaps = writes.slice(1).map((at, i) => at - writes[i]!);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1000);
  });

  it('dials to a peer that cannot be reached back off, retried by the backoff itself (not by some other timer)', () => {
    // Gossip rounds a minute apart: nothing else wakes alice to look at bob again.
    const { world, a, b } = pair(9, { gossip: { fanout: 2, ttl: 4, digestIntervalMs: 60_000, neighbours: 8 } });
    world.crash(b);
    world.command(a, (token) => ({ type: 'send', token, to: { id: b.id, name: 'bob' }, text: 'are you there?' }));
    // b stays in a's table until it expires (5 s): a keeps trying, slower and slower.
    world.runFor(4_900);
    const dials = world.log.filter((e) => e.peer === 'alice' && e.action.type === 'dial').map((e) => e.at);
    expect(dials.length).toBeGreaterThanOrEqual(4);
    expect(a.counters.get('session.dial_failed')).toBe(dials.length);
    const gaps = dials.slice(1).map((at, i) => at - dials[i]!);
    // Never faster than half the initial delay, and the late gaps are longer than the early ones.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(100);
    expect(gaps.at(-1)! + gaps.at(-2)!).toBeGreaterThan(gaps[0]! + gaps[1]!);
    expect(a.emitted('delivered')).toHaveLength(0);
  });

  it('replays exactly from its seed', () => {
    const trace = (seed: number) => {
      const world = new World(seed);
      const peers = ['d1', 'd2', 'd3'].map((name) => world.add(name));
      startAll(world, ...peers);
      world.runFor(1_000);
      world.command(peers[0]!, (token) => ({ type: 'send', token, to: { id: peers[1]!.id, name: 'd2' }, text: 'x' }));
      world.command(peers[2]!, (token) => ({ type: 'say', token, room: 'everyone', text: 'y' }));
      world.runFor(5_000);
      return JSON.stringify(world.log.map(({ at, peer, action }) => [at, peer, action]));
    };
    const first = trace(42);
    expect(trace(42)).toBe(first);
    expect(trace(43)).not.toBe(first);
  });
});
