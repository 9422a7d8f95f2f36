import { afterEach, describe, expect, it } from 'vitest';
import { FakeSpawner } from '../../test/support/fake-spawner.js';
import { waitFor } from '../../test/support/wait-for.js';
import type { DispatcherEvent } from '../events.js';
import { CapacityError, PeerPool } from './pool.js';

const spawners: FakeSpawner[] = [];
const pools: PeerPool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) pool.close();
  await Promise.all(spawners.splice(0).map((s) => s.close()));
});

function setup(size: number, maxUsers = 100, spawner = new FakeSpawner()) {
  const events: DispatcherEvent[] = [];
  const pool = new PeerPool(spawner, { size, maxUsers, now: Date.now, maxBackoffMs: 50 }, (e) => events.push(e));
  if (!spawners.includes(spawner)) spawners.push(spawner);
  pools.push(pool);
  return { spawner, pool, events };
}

const users = (n: number) => Array.from({ length: n }, (_, i) => `user-${i}`);

describe('PeerPool', () => {
  it('keeps N vacant peers warm and refills after claims', async () => {
    const { spawner, pool } = setup(3);
    await pool.rebuild();
    await waitFor(() => pool.vacantCount === 3, 5000, '3 vacant peers');
    const alice = await pool.acquire('alice');
    expect(spawner.calls.claim).toEqual([{ instanceId: alice.instanceId, user: 'alice' }]);
    expect(spawner.calls.startFor).toEqual([]);
    await waitFor(() => pool.vacantCount === 3, 5000, 'the pool refilled');
    expect(spawner.calls.startVacant).toBe(4);
  });

  it('gives 20 users logging in at once 20 distinct peers, claiming each vacant one once (pool 3)', async () => {
    const { spawner, pool } = setup(3);
    spawner.delayMs = 5;
    await pool.rebuild();
    await waitFor(() => pool.vacantCount === 3, 5000, '3 vacant peers');
    const names = users(20);
    const instances = await Promise.all(names.map((user) => pool.acquire(user)));
    expect(instances.map((i) => i.user)).toEqual(names);
    expect(new Set(instances.map((i) => i.instanceId)).size).toBe(20);
    // Three came from the pool, each claimed exactly once; the rest were started for their user.
    const claimed = spawner.calls.claim.map((c) => c.instanceId);
    expect(claimed).toHaveLength(3);
    expect(new Set(claimed).size).toBe(3);
    expect(spawner.calls.startFor.sort()).toEqual(names.filter((n) => !spawner.calls.claim.some((c) => c.user === n)).sort());
    for (const user of names) expect(pool.status(user)?.state).toBe('ready');
  });

  it('gives one user logging in 20 times at once one peer', async () => {
    for (const size of [0, 3]) {
      const { spawner, pool } = setup(size);
      spawner.delayMs = 5;
      await pool.rebuild();
      const instances = await Promise.all(Array.from({ length: 20 }, () => pool.acquire('alice')));
      expect(new Set(instances.map((i) => i.instanceId)).size).toBe(1);
      expect(spawner.calls.claim.length + spawner.calls.startFor.length).toBe(1);
      expect([...spawner.instances.values()].filter((i) => i.user === 'alice')).toHaveLength(1);
    }
  });

  it('after a restart keeps every assignment and never hands a claimed peer to someone else', async () => {
    const spawner = new FakeSpawner();
    const first = setup(2, 100, spawner);
    await first.pool.rebuild();
    await waitFor(() => first.pool.vacantCount === 2, 5000, '2 vacant peers');
    const alice = await first.pool.acquire('alice');
    const bob = await first.pool.acquire('bob');
    first.pool.close();

    // A new dispatcher over the same spawner: the old one's memory is gone, the spawner's labels are not.
    const second = setup(2, 100, spawner);
    spawner.delayMs = 5;
    await second.pool.rebuild();
    expect(second.pool.status('alice')).toMatchObject({ state: 'ready', instance: { instanceId: alice.instanceId } });
    expect(second.pool.status('bob')).toMatchObject({ state: 'ready', instance: { instanceId: bob.instanceId } });
    expect(second.events.find((e) => e.type === 'rebuilt')).toEqual({ type: 'rebuilt', assigned: ['alice', 'bob'], vacant: expect.any(Number) });
    expect(await second.pool.acquire('alice')).toMatchObject({ instanceId: alice.instanceId });
    const others = await Promise.all(users(6).map((u) => second.pool.acquire(u)));
    const taken = new Set([alice.instanceId, bob.instanceId]);
    for (const other of others) expect(taken.has(other.instanceId)).toBe(false);
    expect(new Set(others.map((o) => o.instanceId)).size).toBe(6);
    expect(spawner.calls.claim.filter((c) => taken.has(c.instanceId)).map((c) => c.user).sort()).toEqual(['alice', 'bob']);
  });

  it('refuses a new user beyond --max-users, but not one who already has a peer', async () => {
    const { pool } = setup(0, 2);
    await pool.rebuild();
    await pool.acquire('alice');
    await pool.acquire('bob');
    expect(pool.canAdmit('carol')).toBe(false);
    await expect(pool.acquire('carol')).rejects.toBeInstanceOf(CapacityError);
    expect(pool.canAdmit('alice')).toBe(true);
    await pool.acquire('alice');
    await pool.stop('bob', 'admin');
    expect(pool.canAdmit('carol')).toBe(true);
  });

  it('counts logins still starting against --max-users', async () => {
    const { spawner, pool } = setup(0, 5);
    spawner.delayMs = 20;
    await pool.rebuild();
    const results = await Promise.allSettled(users(12).map((u) => pool.acquire(u)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof CapacityError)).toHaveLength(7);
  });

  it('starts a peer for the user when claiming a vacant one fails', async () => {
    const { spawner, pool, events } = setup(1);
    await pool.rebuild();
    await waitFor(() => pool.vacantCount === 1, 5000, 'a vacant peer');
    const [vacant] = [...spawner.instances.values()];
    await spawner.crash(vacant!.instanceId);
    const alice = await pool.acquire('alice');
    expect(alice.instanceId).not.toBe(vacant!.instanceId);
    expect(spawner.calls.startFor).toEqual(['alice']);
    expect(events.some((e) => e.type === 'error' && e.code === 'claim_failed')).toBe(true);
  });

  it('retries failed refills with a backoff and reports them', async () => {
    const { spawner, pool, events } = setup(2);
    spawner.failNextVacant = 3;
    await pool.rebuild();
    await waitFor(() => pool.vacantCount === 2, 5000, 'the pool filled after failures');
    expect(events.filter((e) => e.type === 'error' && e.code === 'pool_start_failed')).toHaveLength(3);
  });

  it('a stop during a start waits for it, then stops the peer; the next login starts again', async () => {
    const { spawner, pool } = setup(0);
    spawner.delayMs = 30;
    await pool.rebuild();
    const starting = pool.acquire('alice');
    const stopped = pool.stop('alice', 'admin');
    await starting;
    await stopped;
    expect(pool.status('alice')).toBeUndefined();
    expect(spawner.liveFor('alice')).toBeUndefined();
    const again = await pool.acquire('alice');
    expect(spawner.liveFor('alice')?.instanceId).toBe(again.instanceId);
  });

  it('reports a start that fails as failed, and retries on the next acquire', async () => {
    const spawner = new FakeSpawner();
    let fail = true;
    const original = spawner.startFor.bind(spawner);
    spawner.startFor = (user, onProgress) => (fail ? Promise.reject(new Error('no room')) : original(user, onProgress));
    const { pool } = setup(0, 100, spawner);
    await pool.rebuild();
    await expect(pool.acquire('alice')).rejects.toThrow('no room');
    expect(pool.status('alice')).toMatchObject({ state: 'failed', error: 'no room' });
    expect(pool.activeCount).toBe(0);
    fail = false;
    expect((await pool.acquire('alice')).user).toBe('alice');
  });

  it('refuses a peer the spawner hands back for another user', async () => {
    const spawner = new FakeSpawner();
    const original = spawner.startFor.bind(spawner);
    spawner.startFor = async (user) => ({ ...(await original(user)), user: 'mallory' });
    const { pool } = setup(0, 100, spawner);
    await pool.rebuild();
    await expect(pool.acquire('alice')).rejects.toThrow(/returned peer fake-1 of mallory for alice/);
    expect(pool.status('alice')?.state).toBe('failed');
  });
});
