import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EtcdServer } from '../lab/registry/etcd-server.js';
import { encodeAnnouncement } from '../peer/discovery/announcement.js';
import { generateIdentity, type Identity } from '../peer/identity/identity.js';
import { decodeEtcdValue, encodeEtcdValue } from '../peer/registry/etcd-registry.js';
import { counterOf, createPeers, seenBy } from './support/peers.js';
import { etcdTestsRun, registryArgs, requireEtcd } from './support/registry.js';
import { waitFor } from './support/wait-for.js';

let etcd: EtcdServer;

/** A prefix of the test's own, so the tests in this file never see each other's peers. */
function prefix(): string {
  return `/t${randomBytes(4).toString('hex')}`;
}

describe.runIf(etcdTestsRun())('registry discovery through a real etcd', () => {
  beforeAll(async () => {
    etcd = await requireEtcd();
  });
  afterAll(async () => {
    await etcd?.close();
  });

  it('peers with multicast off find each other through etcd; a SIGKILLed peer\'s key expires with its lease', async () => {
    const p = prefix();
    await using fleet = await createPeers(3, { extraArgs: registryArgs(`etcd://${etcd.address}${p}`) });
    await fleet.waitForMesh(20_000);
    const [a, , c] = fleet.peers as [(typeof fleet.peers)[0], (typeof fleet.peers)[0], (typeof fleet.peers)[0]];
    const entry = (await a.control.listPeers()).find((peer) => peer.id === c.id);
    expect(entry).toMatchObject({ source: 'registry', host: '127.0.0.1', grpcPort: c.ready.grpcPort });
    const client = etcd.client();
    try {
      const stored = await client.get(`${p}/${c.id}`).buffer();
      expect(stored && decodeEtcdValue(stored)?.host).toBe('127.0.0.1');
      await c.kill();
      // Nobody deleted it: the lease (TTL = --expire-after, 2 s) ran out.
      await waitFor(async () => (await client.get(`${p}/${c.id}`).buffer()) === null, 15_000, "the killed peer's key to expire", undefined, 200);
      await a.waitForEvent((e) => e.type === 'peer_down' && e.peerId === c.id, 15_000, 'p0 to expire p2');
      expect(await client.get(`${p}/${a.id}`).buffer()).not.toBeNull();
    } finally {
      client.close();
    }
  });

  it('etcd stopped: peers keep their sessions and known peers and keep talking; etcd back: every peer is registered again', async () => {
    const p = prefix();
    // Remembered 8 s: longer than a write to an etcd that does not answer takes to fail (3 s).
    const expireAfterMs = 8000;
    await using fleet = await createPeers(2, { extraArgs: registryArgs(`etcd://${etcd.address}${p}`, expireAfterMs) });
    await fleet.waitForMesh(20_000);
    const [a, b] = fleet.peers as [(typeof fleet.peers)[0], (typeof fleet.peers)[0]];
    await a.control.send(b.id, 'before');
    await b.waitForEvent((e) => e.type === 'message' && e.text === 'before', 15_000, 'the first message');
    const errorsBefore = await counterOf(a, 'discovery.registry.errors');
    await etcd.pause();
    const pausedAt = performance.now();
    try {
      // What must not happen (a forgets b) could only happen once etcd has been silent for
      // longer than a peer is remembered: wait for that (and for a to have noticed).
      await waitFor(
        async () => performance.now() - pausedAt > 1.5 * expireAfterMs && (await counterOf(a, 'discovery.registry.errors')) > errorsBefore,
        40_000, 'etcd to be silent for 1.5 × the expiry, and a to notice', undefined, 200,
      );
      expect(a.events.some((e) => e.type === 'peer_down' && e.peerId === b.id), 'a forgot b while etcd was down').toBe(false);
      expect((await a.control.listPeers()).some((peer) => peer.id === b.id)).toBe(true);
      await a.control.send(b.id, 'during');
      await b.waitForEvent((e) => e.type === 'message' && e.text === 'during', 15_000, 'a message sent while etcd is down');
    } finally {
      await etcd.resume();
    }
    const client = etcd.client();
    try {
      const since = BigInt((await client.get('nothing').exec()).header.revision);
      for (const peer of [a, b]) {
        await waitFor(
          async () => {
            const kv = (await client.getAll().prefix(`${p}/`).exec()).kvs.find((k) => k.key.toString() === `${p}/${peer.id}`);
            return kv !== undefined && BigInt(kv.mod_revision) > since;
          },
          20_000, `${peer.spec.name} to register again`, undefined, 200,
        );
      }
      await fleet.waitForMesh(20_000);
      expect(seenBy(a).has(b.id) && seenBy(b).has(a.id)).toBe(true);
    } finally {
      client.close();
    }
  });

  it('forged entries written straight into etcd are rejected and counted, never a peer', async () => {
    const p = prefix();
    await using fleet = await createPeers(1, { extraArgs: registryArgs(`etcd://${etcd.address}${p}`) });
    const watcher = fleet.peers[0]!;
    const [x, y, z, honest] = [generateIdentity(), generateIdentity(), generateIdentity(), generateIdentity()];
    const announce = (who: Identity, sentAtMs = Date.now()) =>
      encodeAnnouncement(who, { name: 'forged', grpcPort: 1, seq: sentAtMs, sentAtMs, knownPeers: [] });
    const client = etcd.client();
    try {
      // y's real, fresh announcement filed under x's id: passing y off as x.
      await client.put(`${p}/${x.id}`).value(encodeEtcdValue('127.0.0.1', announce(y)));
      // z's genuine announcement, but a minute old: a replay, outside the 30 s window.
      await client.put(`${p}/${z.id}`).value(encodeEtcdValue('127.0.0.1', announce(z, Date.now() - 60_000)));
      await client.put(`${p}/${y.id}`).value(randomBytes(64));
      await client.put(`${p}/${generateIdentity().id}`).value(Buffer.alloc(64 * 1024, 0x7b));
      // Then an honest entry: proof that the watch works and the forged ones were seen first.
      await client.put(`${p}/${honest.id}`).value(encodeEtcdValue('127.0.0.1', announce(honest)));
      await watcher.waitForEvent((e) => e.type === 'peer_up' && e.peerId === honest.id, 15_000, 'the honest entry to be a peer');
      const counters = (await watcher.control.stats()).counters;
      expect(counters).toMatchObject({
        'discovery.registry.dropped.key_mismatch': 1,
        'discovery.registry.dropped.stale': 1,
        'discovery.registry.dropped.bad_entry': 1,
        'discovery.registry.dropped.oversized': 1,
      });
      expect([...seenBy(watcher)]).toEqual([honest.id]);
    } finally {
      client.close();
    }
  });
});
