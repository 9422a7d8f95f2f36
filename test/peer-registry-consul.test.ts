import { describe, expect, it } from 'vitest';
import type { CoreEvent } from '../peer/core/events.js';
import { Counters } from '../peer/counters.js';
import { encodeAnnouncement } from '../peer/discovery/announcement.js';
import { generateIdentity } from '../peer/identity/identity.js';
import { CONSUL_SERVICE, consulCheckId, consulServiceId } from '../peer/registry/consul-entry.js';
import { ConsulRegistry } from '../peer/registry/consul-registry.js';
import { RegistryInbox } from '../peer/registry/registry-inbox.js';
import { ConsulStandIn } from './support/consul-stand-in.js';
import { counterOf, createPeers, seenBy } from './support/peers.js';
import { registryArgs } from './support/registry.js';
import { waitFor } from './support/wait-for.js';

/** A ConsulRegistry in this process, and what its inbox fed on. */
function inProcessRegistry(standIn: ConsulStandIn) {
  const identity = generateIdentity();
  const counters = new Counters();
  const fed: CoreEvent[] = [];
  const inbox = new RegistryInbox(identity.id, counters, (event) => fed.push(event));
  const registry = new ConsulRegistry({ host: '127.0.0.1', port: standIn.port, ttlSeconds: 2, waitMs: 30_000, minQueryGapMs: 50 }, { id: identity.id, host: '127.0.0.1' }, inbox, counters);
  const packet = () => encodeAnnouncement(identity, { name: 'in-process', grpcPort: 4242, seq: Date.now(), sentAtMs: Date.now(), knownPeers: [] });
  return { identity, counters, fed, registry, packet };
}

describe('registry discovery through the Consul stand-in (documented agent HTTP API only)', () => {
  it("Consul stand-in: the consul client's requests match the documented contract, and an entry goes round to another peer", async () => {
    await using standIn = await ConsulStandIn.start();
    const a = inProcessRegistry(standIn);
    const b = inProcessRegistry(standIn);
    a.registry.start();
    b.registry.start();
    try {
      a.registry.publish(a.packet());
      await waitFor(() => b.fed.some((e) => e.type === 'announcement_heard' && e.heard.announcement.id === a.identity.id), 10_000, 'b to read a\'s entry');
      const heard = b.fed.find((e) => e.type === 'announcement_heard')!;
      expect(heard).toMatchObject({ from: '127.0.0.1', source: 'registry' });
      const register = standIn.requests.find((r) => r.path === '/v1/agent/service/register')!;
      expect(register.method).toBe('PUT');
      const body = register.body as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['Address', 'Check', 'ID', 'Meta', 'Name', 'Port']);
      expect(body).toMatchObject({ ID: consulServiceId(a.identity.id), Name: CONSUL_SERVICE, Address: '127.0.0.1', Port: 4242 });
      expect(body.Check).toEqual({ CheckID: consulCheckId(a.identity.id), Name: 'peerlab announcement', TTL: '2s', Status: 'passing', DeregisterCriticalServiceAfter: '1m' });
      for (const value of Object.values(body.Meta as Record<string, string>)) expect(value.length).toBeLessThanOrEqual(512);
      expect(standIn.requests).toContainEqual({ method: 'PUT', path: `/v1/agent/check/pass/${consulCheckId(a.identity.id)}`, query: {}, body: undefined });
      const query = standIn.requests.find((r) => r.path === `/v1/health/service/${CONSUL_SERVICE}`)!;
      expect(query.method).toBe('GET');
      expect(query.query).toMatchObject({ passing: 'true', wait: '30s' });
      // After its first answer, each query blocks on the index that answer carried.
      await waitFor(() => standIn.requests.some((r) => r.path.startsWith('/v1/health/') && Number(r.query.index) > 1), 10_000, 'a blocking query with an index');
    } finally {
      await a.registry.stop();
      await b.registry.stop();
    }
    expect(standIn.requests.at(-1)).toMatchObject({ method: 'PUT', path: `/v1/agent/service/deregister/${consulServiceId(b.identity.id)}` });
    expect(standIn.serviceIds()).toEqual([]);
  });

  it('Consul stand-in: a blocking query answers when a TTL check runs out, without the expired service', async () => {
    await using standIn = await ConsulStandIn.start();
    const base = `http://${standIn.address}`;
    const check = { CheckID: 'c1', TTL: '1s', Status: 'passing' };
    const put = await fetch(`${base}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify({ ID: 's1', Name: 'peerlab', Check: check }) });
    expect(put.status).toBe(200);
    const first = await fetch(`${base}/v1/health/service/peerlab?passing=true`);
    const index = first.headers.get('X-Consul-Index')!;
    expect(((await first.json()) as unknown[]).length).toBe(1);
    const blocked = await fetch(`${base}/v1/health/service/peerlab?passing=true&index=${index}&wait=60s`);
    expect(Number(blocked.headers.get('X-Consul-Index'))).toBeGreaterThan(Number(index));
    expect(await blocked.json()).toEqual([]);
    expect(standIn.status('s1')).toBe('critical');
    const bad = await fetch(`${base}/v1/agent/service/register`, { method: 'PUT', body: JSON.stringify({ Name: 'peerlab', Check: check, Meta: { k: 'x'.repeat(513) } }) });
    expect(bad.status).toBe(400);
  });

  it('Consul stand-in: peers with multicast off find each other; a stopped peer deregisters; a killed one turns critical and expires', async () => {
    await using standIn = await ConsulStandIn.start();
    await using fleet = await createPeers(3, { extraArgs: registryArgs(`consul://${standIn.address}`) });
    await fleet.waitForMesh(20_000);
    const [a, b, c] = fleet.peers as [(typeof fleet.peers)[0], (typeof fleet.peers)[0], (typeof fleet.peers)[0]];
    expect((await a.control.listPeers()).find((p) => p.id === b.id)?.source).toBe('registry');
    await c.stop();
    expect(standIn.serviceIds()).not.toContain(consulServiceId(c.id));
    await b.kill();
    await waitFor(() => standIn.status(consulServiceId(b.id)) === 'critical', 15_000, "the killed peer's TTL check to run out");
    await a.waitForEvent((e) => e.type === 'peer_down' && e.peerId === b.id, 15_000, 'p0 to expire p1');
    await a.waitForEvent((e) => e.type === 'peer_down' && e.peerId === c.id, 15_000, 'p0 to expire p2');
    expect(seenBy(a).size).toBe(0);
  });

  it('Consul stand-in: down and back empty, every peer registers again', async () => {
    await using standIn = await ConsulStandIn.start();
    await using fleet = await createPeers(2, { extraArgs: registryArgs(`consul://${standIn.address}`) });
    await fleet.waitForMesh(20_000);
    await standIn.down();
    await waitFor(async () => (await counterOf(fleet.peers[0]!, 'discovery.registry.errors')) > 0, 15_000, 'p0 to notice Consul is down', undefined, 200);
    await standIn.up();
    const ids = fleet.peers.map((p) => consulServiceId(p.id)).sort();
    await waitFor(() => JSON.stringify(standIn.serviceIds().sort()) === JSON.stringify(ids), 20_000, 'both peers to register again', () => standIn.serviceIds());
    await fleet.waitForMesh(20_000);
  });
});
