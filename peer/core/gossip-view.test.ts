/**
 * Bounded gossip neighbour views on the test world: each peer keeps at most K
 * neighbours (not a session to everyone), a group message still reaches every peer,
 * a neighbour that leaves is replaced, and a session opened for a direct message
 * closes once idle.
 */
import { describe, expect, it } from 'vitest';
import { World, type WorldPeer } from './testing/world.js';

const K = 4;
const PEERS = 30;

function neighbours(peer: WorldPeer): number {
  return peer.core.gauges().counters['gossip.neighbours']!;
}

function fleet(seed: number): { world: World; peers: WorldPeer[] } {
  const world = new World(seed);
  world.logActions = false;
  const peers = Array.from({ length: PEERS }, (_, i) => world.add(`p${i}`, { gossip: { fanout: 3, ttl: 6, digestIntervalMs: 1000, neighbours: K } }));
  for (const peer of peers) world.start(peer);
  expect(world.runUntil(() => peers.every((p) => p.core.gauges().peersKnown === PEERS - 1 && neighbours(p) === K), 20_000)).toBe(true);
  return { world, peers };
}

describe('gossip neighbour views', () => {
  it('every peer keeps at most K neighbours and few sessions, and a group message reaches everyone', () => {
    const { world, peers } = fleet(21);
    world.runFor(5_000);
    for (const peer of peers) expect(neighbours(peer)).toBeLessThanOrEqual(K);
    const sessions = peers.map((p) => p.core.gauges().sessionsOpen);
    console.log(`${PEERS} peers, K=${K}: sessions per peer ${Math.min(...sessions)}–${Math.max(...sessions)} (a full mesh is ${PEERS - 1})`);
    // Own choices plus the peers that chose us: far from a full mesh.
    expect(Math.max(...sessions)).toBeLessThanOrEqual(3 * K);
    world.command(peers[0]!, (token) => ({ type: 'say', token, room: 'everyone', text: 'hello all' }));
    expect(world.runUntil(() => peers.every((p) => p.emitted('group_message').length === 1), 15_000)).toBe(true);
  });

  it('with a session to every peer (connect on discovery), views are spread at random, not the first peers discovered', () => {
    const world = new World(24);
    world.logActions = false;
    // Started one by one, as the lab's process runtime does: every table lists the peers in start order.
    const peers: WorldPeer[] = [];
    for (let i = 0; i < PEERS; i++) {
      const peer = world.add(`p${i}`, { connectOnDiscovery: true, gossip: { fanout: 3, ttl: 6, digestIntervalMs: 1000, neighbours: K } });
      peers.push(peer);
      world.start(peer);
      world.runFor(200);
    }
    expect(world.runUntil(() => peers.every((p) => p.core.gauges().sessionsOpen === PEERS - 1 && neighbours(p) === K), 20_000)).toBe(true);
    const chosenBy = new Map(peers.map((p) => [p.id, 0]));
    for (const peer of peers) for (const id of peer.core.gossipNeighbours()) chosenBy.set(id, chosenBy.get(id)! + 1);
    const counts = [...chosenBy.values()];
    console.log(`${PEERS} peers, K=${K}, full mesh: chosen by ${Math.min(...counts)}–${Math.max(...counts)} peers each`);
    // The first K peers discovered would be everyone's choice (chosen by ${PEERS - K} or so); at random, about K each.
    expect(Math.max(...counts)).toBeLessThanOrEqual(3 * K);
    expect(counts.filter((n) => n === 0).length).toBeLessThanOrEqual(PEERS / 10);
  });

  it('a neighbour that leaves is replaced, and gossip still reaches everyone left', () => {
    const { world, peers } = fleet(22);
    const [first, ...others] = peers;
    const gone = others.find((p) => first!.core.isUp(p.id) && neighbours(first!) === K)!;
    const replacedBefore = first!.counters.get('gossip.neighbours_replaced');
    world.crash(gone);
    expect(world.runUntil(() => first!.counters.get('gossip.neighbours_replaced') > replacedBefore && neighbours(first!) === K, 10_000)).toBe(true);
    expect(first!.core.isUp(gone.id)).toBe(false);
    const left = peers.filter((p) => p !== gone);
    world.command(first!, (token) => ({ type: 'say', token, room: 'everyone', text: 'after a leave' }));
    expect(world.runUntil(() => left.every((p) => p.emitted('group_message').length === 1), 15_000)).toBe(true);
  });

  it('a direct message opens a session on demand, which closes once idle and opens again for the next', () => {
    const world = new World(23);
    // One neighbour each among six, so some peer is nobody's neighbour of a's.
    const options = { gossip: { fanout: 1, ttl: 2, digestIntervalMs: 1000, neighbours: 1 }, idleSessionMs: 5_000 };
    const all = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => world.add(name, options));
    const a = all[0]!;
    for (const peer of all) world.start(peer);
    expect(world.runUntil(() => all.every((p) => p.core.gauges().peersKnown === 5 && neighbours(p) === 1), 10_000)).toBe(true);
    world.runFor(3_000);
    // Someone a has no session with (its neighbour and whoever chose a have one).
    const stranger = all.slice(1).find((p) => !a.core.isUp(p.id));
    if (!stranger) throw new Error('a has sessions with everyone: views did not stay at one neighbour');
    world.command(a, (token) => ({ type: 'send', token, to: { id: stranger.id, name: stranger.name }, text: 'hi' }));
    expect(world.runUntil(() => stranger.emitted('message').length === 1, 5_000)).toBe(true);
    expect(a.core.isUp(stranger.id)).toBe(true);
    expect(world.runUntil(() => !a.core.isUp(stranger.id), 15_000)).toBe(true);
    expect(a.emitted('session_down').some((e) => e.peerId === stranger.id && /idle/.test(e.reason))).toBe(true);
    world.command(a, (token) => ({ type: 'send', token, to: { id: stranger.id, name: stranger.name }, text: 'again' }));
    expect(world.runUntil(() => stranger.emitted('message').length === 2, 5_000)).toBe(true);
  });
});
