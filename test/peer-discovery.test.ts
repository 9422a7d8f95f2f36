import { describe, expect, it } from 'vitest';
import { createPeers, seenBy } from './support/peers.js';

describe('discovery between real peer processes on loopback', () => {
  it('two peers find each other, and each learns its own address from its own announcement', async () => {
    await using fleet = await createPeers(2);
    await fleet.waitForMesh(15_000);
    const [a, b] = fleet.peers as [typeof fleet.peers[0], typeof fleet.peers[0]];
    expect(seenBy(a)).toEqual(new Set([b.id]));
    const up = a.events.find((e) => e.type === 'peer_up');
    expect(up).toMatchObject({ peerName: 'p1', host: '127.0.0.1', grpcPort: b.ready.grpcPort });
    const me = await a.control.whoami();
    expect(me.host).toBe('127.0.0.1');
    const peers = await a.control.listPeers();
    expect(peers.map((p) => p.id)).toEqual([b.id]);
    expect(peers[0]!.source).toBe('multicast');
  });

  it('ten peers all see each other, and a stopped one expires from the others\' tables', async () => {
    await using fleet = await createPeers(10);
    await fleet.waitForMesh(30_000);
    for (const peer of fleet.peers) expect(seenBy(peer).size).toBe(9);
    const gone = fleet.peers[9]!;
    await gone.stop();
    await Promise.all(
      fleet.peers.slice(0, 9).map((peer) =>
        peer.waitForEvent((e) => e.type === 'peer_down' && e.peerId === gone.id, 15_000, `${peer.spec.name} to expire p9`),
      ),
    );
    for (const peer of fleet.peers.slice(0, 9)) expect(seenBy(peer).has(gone.id)).toBe(false);
  });

  it('a static seed is enough when multicast is off', async () => {
    await using fleet = await createPeers(1, { extraArgs: ['--no-multicast'] });
    const a = fleet.peers[0]!;
    const b = await fleet.start('seeded', { extraArgs: ['--no-multicast', '--seed', `127.0.0.1:${a.ready.grpcPort}`] });
    // Both learn of each other through the Exchange call alone.
    await b.waitForEvent((e) => e.type === 'peer_up' && e.peerId === a.id, 15_000, 'seeded to see p0');
    await a.waitForEvent((e) => e.type === 'peer_up' && e.peerId === b.id, 15_000, 'p0 to see seeded');
    const entry = (await b.control.listPeers()).find((p) => p.id === a.id);
    expect(entry?.source).toBe('seed');
  });
});
