/**
 * Discovery at scale on the test world (virtual time): 200 cores on one multicast
 * domain. After convergence each peer receives no more announcements per second than
 * the bound, checks (almost) no signatures (repeats are believed by their hash chain),
 * and forgets nobody who is still there.
 */
import { describe, expect, it } from 'vitest';
import { World, type WorldPeer } from './testing/world.js';

const PEERS = 200;
const BOUND = 100;
const WINDOW_MS = 12_000;

/** Announcements a peer took in (by signature or by chain) and signatures it checked. */
function checks(peer: WorldPeer): { received: number; signatures: number } {
  const signatures = peer.counters.get('discovery.signature_checks');
  return { received: signatures + peer.counters.get('discovery.chain_checks'), signatures };
}

describe('discovery with 200 peers', () => {
  it('stays under the announcement bound, checks no signatures at steady state, and keeps every peer', () => {
    const world = new World(11);
    world.logActions = false;
    // The LAN defaults (1 s / 5 s) and the bound; the world otherwise announces faster.
    const peers = Array.from({ length: PEERS }, (_, i) => world.add(`p${i}`, { announceIntervalMs: 1000, expireAfterMs: 5000, maxAnnouncementsPerSecond: BOUND }));
    for (const peer of peers) world.start(peer);
    const converged = () => peers.every((p) => p.core.gauges().peersKnown === PEERS - 1);
    // Checked once per virtual second: asking after every step would cost more than the run.
    for (let s = 0; s < 30 && !converged(); s++) world.runFor(1000);
    expect(converged()).toBe(true);
    // Long enough for every peer to settle on the paced interval.
    world.runFor(5_000);

    const before = peers.map(checks);
    const downsBefore = peers.map((p) => p.emitted('peer_down').length);
    world.runFor(WINDOW_MS);
    const perSecond = peers.map((peer, i) => {
      const after = checks(peer);
      return { received: (after.received - before[i]!.received) / (WINDOW_MS / 1000), signatures: (after.signatures - before[i]!.signatures) / (WINDOW_MS / 1000) };
    });
    const maxReceived = Math.max(...perSecond.map((r) => r.received));
    const maxSignatures = Math.max(...perSecond.map((r) => r.signatures));
    console.log(`${PEERS} peers: announcements received per peer per second ≤ ${maxReceived.toFixed(1)}, signature checks ≤ ${maxSignatures.toFixed(2)}/s, interval ${peers[0]!.core.gauges().counters['discovery.announce_interval_ms']} ms`);
    // A sender's announcements within the window: its interval may fit one more than the average.
    expect(maxReceived).toBeLessThanOrEqual(BOUND);
    // Everyone is still heard: the pace does not starve the table.
    expect(Math.min(...perSecond.map((r) => r.received))).toBeGreaterThan(BOUND / 2);
    expect(maxSignatures).toBe(0);
    expect(peers.map((p) => p.emitted('peer_down').length)).toEqual(downsBefore);
    expect(peers.every((p) => p.core.gauges().peersKnown === PEERS - 1)).toBe(true);
    // 200² deliveries a few seconds long, with real signatures and handshakes: the slowest core test.
  }, 300_000);

  it('peers that start in a crowd announce again at the crowd\'s pace, not once more at the small-network interval', () => {
    const world = new World(13);
    world.logActions = true;
    const count = 60;
    const bound = 20;
    const peers = Array.from({ length: count }, (_, i) => world.add(`p${i}`, { announceIntervalMs: 200, expireAfterMs: 2000, maxAnnouncementsPerSecond: bound }));
    for (const peer of peers) world.start(peer);
    // The crowd's interval: 59 peers at under 20 a second (with headroom) is ~3.3 s.
    world.runFor(3_000);
    const announcements = (name: string) => world.log.filter((e) => e.peer === name && e.action.type === 'multicast').length;
    // Each announced once, at start; the 200 ms interval would have made it 15.
    expect(peers.map((p) => announcements(p.name))).toEqual(peers.map(() => 1));
    world.runFor(2_000);
    expect(peers.every((p) => announcements(p.name) === 2)).toBe(true);
    expect(peers.every((p) => p.core.gauges().peersKnown === count - 1)).toBe(true);
  });

  it('a crowd slowed to a long interval still checks a repeat with about one hash: the slot follows the interval', () => {
    const world = new World(14);
    world.logActions = false;
    const count = 100;
    // 99 peers at 5 a second: a 22 s interval. A 1 s slot would cost 22 hashes a repeat;
    // the slot grows to 8 s (the largest power of two under half the 30 s window).
    const peers = Array.from({ length: count }, (_, i) => world.add(`p${i}`, { announceIntervalMs: 1000, expireAfterMs: 5000, maxAnnouncementsPerSecond: 5 }));
    for (const peer of peers) world.start(peer);
    const converged = () => peers.every((p) => p.core.gauges().peersKnown === count - 1);
    for (let s = 0; s < 60 && !converged(); s++) world.runFor(1000);
    expect(converged()).toBe(true);
    // Every peer on the paced interval with its new chain, then a window of repeats only.
    world.runFor(60_000);
    const read = (p: WorldPeer) => ({ checks: p.counters.get('discovery.chain_checks'), steps: p.counters.get('discovery.chain_steps'), signatures: p.counters.get('discovery.signature_checks') });
    const before = peers.map(read);
    world.runFor(60_000);
    const after = peers.map(read);
    const checks = after.reduce((sum, a, i) => sum + a.checks - before[i]!.checks, 0);
    const steps = after.reduce((sum, a, i) => sum + a.steps - before[i]!.steps, 0);
    const signatures = after.reduce((sum, a, i) => sum + a.signatures - before[i]!.signatures, 0);
    console.log(`${count} peers at 5/s: interval ${peers[0]!.core.gauges().counters['discovery.announce_interval_ms']} ms, ${(steps / checks).toFixed(2)} hashes per repeat, ${signatures} signature checks`);
    expect(peers[0]!.core.gauges().counters['discovery.announce_interval_ms']).toBeGreaterThan(20_000);
    // Every one of the 99 others heard at least twice per peer in the minute.
    expect(checks).toBeGreaterThan(count * (count - 1) * 2);
    expect(steps / checks).toBeLessThanOrEqual(3);
    expect(signatures).toBe(0);
    expect(converged()).toBe(true);
  });

  it('a small network keeps the LAN defaults', () => {
    const world = new World(12);
    const peers = Array.from({ length: 5 }, (_, i) => world.add(`p${i}`, { announceIntervalMs: 1000, expireAfterMs: 5000, maxAnnouncementsPerSecond: BOUND }));
    for (const peer of peers) world.start(peer);
    world.runFor(10_000);
    for (const peer of peers) {
      expect(peer.core.gauges().counters).toMatchObject({ 'discovery.announce_interval_ms': 1000, 'discovery.expire_after_ms': 5000 });
    }
  });
});
