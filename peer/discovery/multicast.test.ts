import { describe, expect, it } from 'vitest';
import { generateIdentity, type Identity } from '../identity/identity.js';
import type { Announcement } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { checkPacket, encodeAnnouncement } from './announcement.js';
import { ADAPTER_DROP_REASONS, MulticastDiscovery, type MulticastDiscoveryOptions } from './multicast.js';
import { DiscoveryOptionsError } from './discovery-options.js';
import { SharedMulticastReceivers } from './multicast-receiver.js';
import { makeFuzzPackets } from '../../test/support/fuzz-packets.js';
import { LOOPBACK, openLoopbackSender, randomMulticastEndpoint } from '../../test/support/multicast-loopback.js';
import { waitFor } from '../../test/support/wait-for.js';

/** A started adapter on loopback that records what it hears. */
async function startAdapter(
  endpoint: { group: string; port: number },
  identity: Identity,
  extra: Partial<MulticastDiscoveryOptions> = {},
) {
  const heard: { announcement: Announcement; from: { address: string; port: number } }[] = [];
  const selfAddresses: string[] = [];
  const errors: Error[] = [];
  const adapter = new MulticastDiscovery({
    ...endpoint,
    interfaceAddress: LOOPBACK,
    selfId: identity.id,
    onAnnouncement: (wellFormed, from) => heard.push({ announcement: wellFormed.announcement, from }),
    onSelf: (address) => selfAddresses.push(address),
    onError: (err) => errors.push(err),
    ...extra,
  });
  await adapter.start();
  return { adapter, heard, selfAddresses, errors };
}

const announce = (identity: Identity, name: string, seq = 1) =>
  encodeAnnouncement(identity, { name, grpcPort: 50051, seq, sentAtMs: Date.now(), knownPeers: [] });

describe('MulticastDiscovery over loopback', () => {
  it('two peers on one port hear each other, and each learns its own address', async () => {
    const endpoint = randomMulticastEndpoint();
    const alice = generateIdentity();
    const bob = generateIdentity();
    const a = await startAdapter(endpoint, alice);
    const b = await startAdapter(endpoint, bob);
    try {
      expect(a.adapter.interfaces()).toEqual([LOOPBACK]);
      await a.adapter.send(announce(alice, 'alice'));
      await b.adapter.send(announce(bob, 'bob'));
      await waitFor(() => a.heard.length > 0 && b.heard.length > 0 && a.selfAddresses.length > 0 && b.selfAddresses.length > 0, 5000, 'both announcements', () => [a.adapter.counters(), b.adapter.counters()]);

      expect(a.heard.map((h) => h.announcement.name)).toEqual(['bob']);
      expect(b.heard.map((h) => h.announcement.name)).toEqual(['alice']);
      expect(a.heard[0]!.announcement.id).toBe(bob.id);
      expect(a.heard[0]!.from.address).toBe(LOOPBACK);
      expect(a.selfAddresses).toEqual([LOOPBACK]);
      expect(b.selfAddresses).toEqual([LOOPBACK]);
      expect(a.adapter.counters()).toMatchObject({ received: 2, accepted: 1, self: 1, send_errors: 0, socket_errors: 0 });
      expect(a.errors).toEqual([]);
    } finally {
      await a.adapter.stop();
      await b.adapter.stop();
    }
  });

  it('peers sharing a receiver (a host) hear through one socket, each judges every packet for itself, and the last to stop closes it', async () => {
    const endpoint = randomMulticastEndpoint();
    const receivers = new SharedMulticastReceivers();
    const [alice, bob, carol] = [generateIdentity(), generateIdentity(), generateIdentity()];
    const a = await startAdapter(endpoint, alice, { receivers });
    const b = await startAdapter(endpoint, bob, { receivers });
    // A peer of another process, with a socket of its own, on the same group.
    const c = await startAdapter(endpoint, carol);
    try {
      expect(receivers.size).toBe(1);
      await a.adapter.send(announce(alice, 'alice'));
      await c.adapter.send(announce(carol, 'carol'));
      await waitFor(() => a.heard.length > 0 && b.heard.length > 1 && c.heard.length > 0 && a.selfAddresses.length > 0, 5000, 'both announcements', () => [a.adapter.counters(), b.adapter.counters()]);
      // Alice's own packet is her self (learning her address) and an announcement to Bob; Carol's is news to both.
      expect(a.heard.map((h) => h.announcement.name)).toEqual(['carol']);
      expect(b.heard.map((h) => h.announcement.name).sort()).toEqual(['alice', 'carol']);
      expect(c.heard.map((h) => h.announcement.name)).toEqual(['alice']);
      expect(a.selfAddresses).toEqual([LOOPBACK]);
      expect(a.adapter.counters()).toMatchObject({ received: 2, accepted: 1, self: 1 });
      expect(b.adapter.counters()).toMatchObject({ received: 2, accepted: 2, self: 0 });
      // One stops: the other still hears through the shared socket.
      await a.adapter.stop();
      expect(receivers.size).toBe(1);
      await c.adapter.send(announce(carol, 'carol', 2));
      await waitFor(() => b.heard.length > 2, 5000, 'carol again', () => b.adapter.counters());
      expect(a.heard).toHaveLength(1);
    } finally {
      await a.adapter.stop();
      await b.adapter.stop();
      await c.adapter.stop();
    }
    expect(receivers.size).toBe(0);
  });

  it('survives a flood of 10,000 fuzz packets, counts each drop by reason, and still delivers afterwards', async () => {
    const endpoint = randomMulticastEndpoint();
    const self = generateIdentity();
    const mallory = generateIdentity();
    const packets = makeFuzzPackets(10_000, 0x5eed, announce(mallory, 'mallory'), mallory);
    const expected: Record<string, number> = {};
    let invalid = 0;
    for (const { bytes } of packets) {
      // The adapter drops what is not well formed; signatures are the core's to check.
      const result = checkPacket(bytes);
      if (result.ok) continue;
      invalid++;
      expected[`dropped.${result.reason}`] = (expected[`dropped.${result.reason}`] ?? 0) + 1;
    }

    const { adapter, heard, errors } = await startAdapter(endpoint, self);
    const sender = await openLoopbackSender(endpoint.group, endpoint.port);
    try {
      // Paced: one batch at a time, waiting until all of it is read, so the kernel's
      // receive buffer (about 200 KB) never overflows and every datagram is counted.
      const batch = 100;
      for (let start = 0; start < packets.length; start += batch) {
        const slice = packets.slice(start, start + batch);
        for (const { bytes } of slice) await sender.send(bytes);
        const target = start + slice.length;
        await waitFor(() => adapter.counters().received >= target, 10_000, `${target} packets received`, () => adapter.counters());
      }
      const counters = adapter.counters();
      expect(counters.received).toBe(packets.length);
      const dropped = ADAPTER_DROP_REASONS.reduce((sum, reason) => sum + counters[`dropped.${reason}`]!, 0);
      expect(dropped).toBe(invalid);
      for (const reason of ADAPTER_DROP_REASONS) expect(counters[`dropped.${reason}`], reason).toBe(expected[`dropped.${reason}`] ?? 0);
      expect(counters.accepted).toBe(packets.length - invalid);
      expect(counters.socket_errors).toBe(0);

      const carol = generateIdentity();
      await sender.send(announce(carol, 'carol'));
      await waitFor(() => heard.some((h) => h.announcement.id === carol.id), 5000, "carol's announcement after the flood");
      expect(errors).toEqual([]);
    } finally {
      await sender.close();
      await adapter.stop();
    }
  });

  it('keeps delivering when a handler throws, counting the error', async () => {
    const endpoint = randomMulticastEndpoint();
    const delivered: string[] = [];
    const { adapter, errors } = await startAdapter(endpoint, generateIdentity(), {
      onAnnouncement: ({ announcement: a }) => {
        delivered.push(a.name);
        if (a.name === 'boom') throw new Error('handler bug');
      },
    });
    const sender = await openLoopbackSender(endpoint.group, endpoint.port);
    try {
      await sender.send(announce(generateIdentity(), 'boom'));
      await sender.send(announce(generateIdentity(), 'after'));
      await waitFor(() => delivered.length === 2, 5000, 'two deliveries', () => adapter.counters());
      expect(delivered).toEqual(['boom', 'after']);
      expect(adapter.counters().callback_errors).toBe(1);
      expect(errors.map((e) => e.message)).toEqual(['handler bug']);
    } finally {
      await sender.close();
      await adapter.stop();
    }
  });

  it('does not take a replay of its own announcement, sent from elsewhere, as its address', async () => {
    const endpoint = randomMulticastEndpoint();
    const self = generateIdentity();
    const { adapter, selfAddresses } = await startAdapter(endpoint, self);
    const sender = await openLoopbackSender(endpoint.group, endpoint.port);
    try {
      await sender.send(announce(self, 'me', 99)); // signed with our key, but not sent by this adapter
      await waitFor(() => adapter.counters().self_replayed === 1, 5000, 'the replay to be counted', () => adapter.counters());
      expect(selfAddresses).toEqual([]);
      expect(adapter.counters()).toMatchObject({ self: 0, accepted: 0 });
    } finally {
      await sender.close();
      await adapter.stop();
    }
  });

  it('re-joins the group periodically, ignoring "already a member", and keeps hearing', async () => {
    const endpoint = randomMulticastEndpoint();
    const { adapter, heard, errors } = await startAdapter(endpoint, generateIdentity(), { rejoinEveryMs: 10 });
    const sender = await openLoopbackSender(endpoint.group, endpoint.port);
    try {
      await waitFor(() => adapter.counters().rejoins >= 3, 5000, 'three re-joins', () => adapter.counters());
      await sender.send(announce(generateIdentity(), 'still-here'));
      await waitFor(() => heard.length === 1, 5000, 'an announcement after re-joins');
      expect(adapter.counters().join_errors).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await sender.close();
      await adapter.stop();
    }
  });

  it('rejects start() with a clear error when the named interface cannot join', async () => {
    // 203.0.113.0/24 is TEST-NET-3: never a local address, so the join fails before any packet leaves.
    const adapter = new MulticastDiscovery({
      ...randomMulticastEndpoint(),
      interfaceAddress: '203.0.113.77',
      selfId: generateIdentity().id,
      onAnnouncement: () => {},
    });
    await expect(adapter.start()).rejects.toThrow(/Cannot join multicast group 239\.255\.\d+\.\d+ on 203\.0\.113\.77/);
    await expect(adapter.send(Buffer.alloc(1))).rejects.toThrow(/needs a started adapter \(state: stopped\)/);
  });

  it('refuses to send before start or an oversized packet, and stops idempotently', async () => {
    const endpoint = randomMulticastEndpoint();
    const adapter = new MulticastDiscovery({ ...endpoint, interfaceAddress: LOOPBACK, selfId: generateIdentity().id, onAnnouncement: () => {} });
    await expect(adapter.send(Buffer.alloc(10))).rejects.toThrow(/state: new/);
    await adapter.start();
    await expect(adapter.send(Buffer.alloc(1201))).rejects.toThrow(/1201 bytes, over the limit of 1200/);
    await adapter.stop();
    await adapter.stop();
    expect(adapter.interfaces()).toEqual([]);
  });

  it('names the bad option in its constructor error', () => {
    const make = (group: string, port: number) => () =>
      new MulticastDiscovery({ group, port, selfId: 'x', onAnnouncement: () => {} });
    expect(make('10.0.0.1', 47474)).toThrow(DiscoveryOptionsError);
    expect(make('10.0.0.1', 47474)).toThrow(/group="10.0.0.1"/);
    expect(make('239.255.1.1', 0)).toThrow(/port=0/);
  });
});
