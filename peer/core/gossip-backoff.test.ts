/**
 * Anti-entropy backs off while there is nothing to heal (Trickle, see MAX_DIGEST_BACKOFF in
 * gossip-core.ts) and trades at the full rate again as soon as there is news, so an idle
 * network costs a digest per 16 s per peer while a peer that missed something still
 * catches up within a few digest intervals.
 */
import { describe, expect, it } from 'vitest';
import { MAX_DIGEST_BACKOFF } from './gossip-core.js';
import { World, type WorldPeer } from './testing/world.js';

const DIGEST_MS = 1000;
const COUNT = 8;

function network(seed: number): { world: World; peers: WorldPeer[] } {
  const world = new World(seed);
  world.logActions = false;
  const peers = Array.from({ length: COUNT }, (_, i) => world.add(`p${i}`, { connectOnDiscovery: true, gossip: { fanout: 3, ttl: 6, digestIntervalMs: DIGEST_MS, neighbours: 4 } }));
  for (const peer of peers) world.start(peer);
  expect(world.runUntil(() => peers.every((p) => p.core.gauges().counters['gossip.neighbours'] === 4), 10_000)).toBe(true);
  return { world, peers };
}

const digestsSent = (peers: WorldPeer[]) => peers.map((p) => p.counters.get('gossip.digests_sent'));
const gaps = (peers: WorldPeer[]) => peers.map((p) => p.core.gauges().counters['gossip.digest_gap_ms']);

function say(world: World, peer: WorldPeer, text: string): void {
  world.command(peer, (token) => ({ type: 'say', token, room: 'everyone', text }));
}

describe('anti-entropy backoff', () => {
  it('an idle network backs off to a digest every 16 intervals; news brings every peer back to the full rate', () => {
    const { world, peers } = network(21);
    // 1 + 2 + 4 + 8 + 16 s: every peer at the longest gap.
    world.runFor(60_000);
    expect(gaps(peers)).toEqual(peers.map(() => DIGEST_MS * MAX_DIGEST_BACKOFF));
    const before = digestsSent(peers);
    world.runFor(64_000);
    const idle = digestsSent(peers).map((n, i) => n - before[i]!);
    // 64 s at one per 16 s (64 at the full rate).
    expect(Math.max(...idle)).toBeLessThanOrEqual(5);
    expect(Math.min(...idle)).toBeGreaterThanOrEqual(3);

    say(world, peers[0]!, 'news');
    expect(world.runUntil(() => peers.every((p) => p.emitted('group_message').length === 1), 5_000)).toBe(true);
    // Every peer that took the message in is back at one interval.
    expect(gaps(peers)).toEqual(peers.map(() => DIGEST_MS));
    const atNews = digestsSent(peers);
    world.runFor(3 * DIGEST_MS + 100);
    // 1 s then 2 s: two rounds in the three seconds after news, not none.
    expect(digestsSent(peers).map((n, i) => n - atNews[i]!)).toEqual(peers.map(() => 2));
  });

  it('a peer that was down while the network said something and backed off catches up within a few digest intervals', () => {
    const { world, peers } = network(22);
    const late = peers[COUNT - 1]!;
    world.crash(late);
    for (const text of ['one', 'two', 'three']) say(world, peers[0]!, text);
    const others = peers.slice(0, -1);
    expect(world.runUntil(() => others.every((p) => p.emitted('group_message').length === 3), 5_000)).toBe(true);
    world.runFor(60_000);
    expect(gaps(others)).toEqual(others.map(() => DIGEST_MS * MAX_DIGEST_BACKOFF));

    world.start(late);
    const back = world.now;
    expect(world.runUntil(() => late.emitted('group_message').length === 3, 30_000)).toBe(true);
    // It trades at the full rate itself, and its neighbours answer: well under one backed-off gap.
    expect(world.now - back).toBeLessThan(DIGEST_MS * 5);
    expect(late.emitted('group_message').map((m) => m.text).sort()).toEqual(['one', 'three', 'two']);
  });

  it('sessions stay up while either side has chosen the other, though backed-off digests come further apart than the idle-session timeout: no churn', () => {
    const world = new World(23);
    world.logActions = false;
    // 16 s gaps × 4 neighbours in turn: a neighbour may hear from us once a minute, and an
    // unused session closes after 5 s. Views are not symmetric, so some sessions are kept
    // only by the other side's choice.
    const peers = Array.from({ length: 24 }, (_, i) => world.add(`p${i}`, { idleSessionMs: 5_000, gossip: { fanout: 3, ttl: 6, digestIntervalMs: DIGEST_MS, neighbours: 4 } }));
    for (const peer of peers) world.start(peer);
    world.runFor(60_000);
    const ups = () => peers.reduce((sum, p) => sum + p.emitted('session_up').length, 0);
    const downs = () => peers.reduce((sum, p) => sum + p.emitted('session_down').length, 0);
    const [upsBefore, downsBefore] = [ups(), downs()];
    world.runFor(180_000);
    expect(gaps(peers)).toEqual(peers.map(() => DIGEST_MS * MAX_DIGEST_BACKOFF));
    const open = peers.reduce((sum, p) => sum + p.core.gauges().sessionsOpen, 0);
    console.log(`session_up ${upsBefore} in the first minute, ${ups() - upsBefore} after; session_down ${downsBefore}, ${downs() - downsBefore}; ${open} open at the end`);
    // Nothing reopened once settled, and few closed at all: the sessions closed are ones
    // neither side chose any more. (Closing those kept only by the other side's choice
    // closed 112 in the first minute, each reopened elsewhere.)
    expect(ups() - upsBefore).toBe(0);
    expect(downs()).toBeLessThanOrEqual(open / 2);
    // Every neighbour's session is up.
    for (const peer of peers) for (const id of peer.core.gossipNeighbours()) expect(peer.core.isUp(id)).toBe(true);
  });
});
