/**
 * 10,000 random and malformed discovery packets at a whole peer process:
 * it keeps running, counts every one of them as dropped, and still
 * discovers a real peer afterwards.
 */
import { describe, expect, it } from 'vitest';
import { decodeAnnouncement, encodeAnnouncement } from '../peer/discovery/announcement.js';
import { generateIdentity } from '../peer/identity/identity.js';
import { makeFuzzPackets } from './support/fuzz-packets.js';
import { openLoopbackSender } from './support/multicast-loopback.js';
import { createPeers } from './support/peers.js';

const PACKETS = 10_000;
// Small enough that a batch fits the peer's default socket receive buffer.
const BATCH = 20;

describe('a peer under a flood of bad discovery packets', () => {
  it('drops and counts all 10,000, keeps running, and still discovers a real peer', async () => {
    await using fleet = await createPeers(1);
    const target = fleet.peers[0]!;
    const forger = generateIdentity();
    const valid = encodeAnnouncement(forger, { name: 'forger', grpcPort: 9, seq: 1, sentAtMs: Date.now(), knownPeers: [] });
    const packets = makeFuzzPackets(PACKETS, 20261123, valid, forger);
    // What the codec says of each packet is what the peer must count.
    const expected: Record<string, number> = {};
    for (const { bytes } of packets) {
      const result = decodeAnnouncement(bytes);
      expect(result.ok).toBe(false);
      if (!result.ok) expected[result.reason] = (expected[result.reason] ?? 0) + 1;
    }
    const dropped = async () => {
      const counters = (await target.control.stats()).counters;
      return Object.entries(counters)
        .filter(([name]) => name.startsWith('discovery.multicast.dropped.'))
        .reduce((sum, [, value]) => sum + value, 0);
    };
    const sender = await openLoopbackSender(fleet.network.group, fleet.network.port);
    try {
      // Paced in batches so the kernel's socket buffer never overflows: every packet must arrive.
      for (let start = 0; start < PACKETS; start += BATCH) {
        for (const { bytes } of packets.slice(start, start + BATCH)) await sender.send(bytes);
        const want = Math.min(start + BATCH, PACKETS);
        const deadline = Date.now() + 10_000;
        while ((await dropped()) < want) {
          if (Date.now() > deadline) throw new Error(`peer counted ${await dropped()} of ${want} bad packets`);
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      await sender.close();
    }
    expect(target.isRunning).toBe(true);
    const counters = (await target.control.stats()).counters;
    for (const [reason, count] of Object.entries(expected)) {
      expect(counters[`discovery.multicast.dropped.${reason}`], reason).toBe(count);
    }
    expect(await dropped()).toBe(PACKETS);
    // Still a working peer: a real one that joins now is discovered.
    const late = await fleet.start('late');
    await target.waitForEvent((e) => e.type === 'peer_up' && e.peerId === late.id, 15_000, 'the late peer');
  });
});
