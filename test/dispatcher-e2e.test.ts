/**
 * The dispatcher end to end: a real `peerlab dispatcher` process, the real process
 * spawner, real peer processes, over HTTP: the pool, many logins at once, --max-users,
 * culling and logout; the peers' identities from the spawner's records. What people do
 * in a browser (and what an attacker with a session of their own tries) is in
 * dispatcher-browser.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { http, login, originOf, postForm } from './support/dispatcher-client.js';
import { dispatcherSetup, startDispatcherProcess, untilReady, type DispatcherProcess, type DispatcherSetup } from './support/dispatcher-process.js';
import { waitFor } from './support/wait-for.js';

let setup: DispatcherSetup | undefined;
let running: DispatcherProcess[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
  await setup?.cleanUp();
  setup = undefined;
});

async function start(users: Record<string, { admin?: boolean }>, flags: string[] = []): Promise<DispatcherProcess> {
  setup = await dispatcherSetup(users);
  const d = await startDispatcherProcess(setup, flags);
  running.push(d);
  return d;
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `user-${i}`);

describe('peerlab dispatcher with the process spawner', () => {
  it('pool 1: the warm peer goes to the first login, the other is started; the admin list shows both', async () => {
    const d = await start({ alice: {}, bob: {}, root: { admin: true } }, ['--pool', '1']);
    await d.waitForEvent('vacant', () => true, 30_000);
    const alice = await login(d.url, 'alice', 'pw-alice');
    const bob = await login(d.url, 'bob', 'pw-bob');
    await untilReady(d, alice, 'alice');
    await untilReady(d, bob, 'bob');
    const before = await setup!.claimed();
    expect(before.get('alice')!.peerId).not.toBe(before.get('bob')!.peerId);
    // The warm one went to whoever came first; the other's peer was started for them.
    expect(d.events.filter((e) => e.type === 'claim').map((e) => e.type === 'claim' && e.user)).toEqual([expect.stringMatching(/^(alice|bob)$/)]);

    // The admin list shows both, with the instances the spawner has.
    const root = await login(d.url, 'root', 'pw-root');
    const list = JSON.parse((await http(d.url, 'GET', '/admin/api/users', { cookie: root })).body) as { users: { name: string; state: string; instanceId?: string }[] };
    expect(list.users.find((u) => u.name === 'alice')).toMatchObject({ state: 'ready', instanceId: before.get('alice')!.instanceId });
    expect(list.users.find((u) => u.name === 'bob')).toMatchObject({ state: 'ready', instanceId: before.get('bob')!.instanceId });
    expect((await http(d.url, 'GET', '/admin/api/users', { cookie: alice })).status).toBe(403);
  });

  it('20 parallel logins with pool 3 → 20 distinct peers, each with its user’s identity', async () => {
    const d = await start(Object.fromEntries(names(20).map((n) => [n, {}])), ['--pool', '3']);
    await waitFor(() => d.events.filter((e) => e.type === 'vacant').length >= 3, 60_000, 'the pool to fill', undefined, 50);
    const cookies = await Promise.all(names(20).map((n) => login(d.url, n, `pw-${n}`)));
    await Promise.all(names(20).map((n, i) => untilReady(d, cookies[i]!, n)));
    const peers = await setup!.claimed();
    expect([...peers.keys()].sort()).toEqual(names(20).sort());
    expect(new Set([...peers.values()].map((p) => p.instanceId)).size).toBe(20);
    expect(new Set([...peers.values()].map((p) => p.peerId)).size).toBe(20);
    expect(new Set([...peers.values()].map((p) => p.pid)).size).toBe(20);
    expect(d.events.filter((e) => e.type === 'claim').length).toBeGreaterThanOrEqual(3);
  });

  it('20 parallel logins of one user → one peer', async () => {
    const d = await start({ alice: {} }, ['--pool', '2']);
    const cookies = await Promise.all(Array.from({ length: 20 }, () => login(d.url, 'alice', 'pw-alice')));
    await Promise.all(cookies.map((c) => untilReady(d, c, 'alice')));
    const alices = (await setup!.records()).filter((r) => r.user === 'alice');
    expect(alices).toHaveLength(1);
    expect(d.events.filter((e) => e.type === 'start' && e.user === 'alice')).toHaveLength(1);
  });

  it('beyond --max-users, a login answers 429 with Retry-After and the peer count stays', async () => {
    const d = await start({ alice: {}, bob: {} }, ['--max-users', '1']);
    const alice = await login(d.url, 'alice', 'pw-alice');
    await untilReady(d, alice, 'alice');
    const refused = await postForm(d.url, '/login', { username: 'bob', password: 'pw-bob' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.body).toContain('Every peer is in use');
    expect(refused.headers['set-cookie']).toBeUndefined();
    expect([...(await setup!.claimed()).keys()]).toEqual(['alice']);
    // alice herself still gets in: she already has her peer.
    expect((await postForm(d.url, '/login', { username: 'alice', password: 'pw-alice' })).status).toBe(303);
  });

  it('an idle peer is culled; the next login gets the same identity and history; logout ends that session', async () => {
    const d = await start({ alice: {} }, ['--idle-timeout', '4s']);
    const cookie = await login(d.url, 'alice', 'pw-alice');
    await untilReady(d, cookie, 'alice');
    const first = (await setup!.claimed()).get('alice')!;
    // Something in alice's history, said through the proxy as her page would.
    const json = { cookie, origin: originOf(d.url), 'content-type': 'application/json' };
    expect((await http(d.url, 'POST', '/u/alice/api/join', json, JSON.stringify({ room: 'notes' }))).status).toBe(200);
    expect((await http(d.url, 'POST', '/u/alice/api/say', json, JSON.stringify({ room: 'notes', text: 'before the cull' }))).status).toBe(200);
    await d.waitForEvent('cull', (e) => e.user === 'alice', 30_000);
    await d.waitForEvent('stop', (e) => e.user === 'alice' && e.reason === 'idle', 30_000);
    expect((await setup!.claimed()).get('alice')).toBeUndefined();
    expect(JSON.parse((await http(d.url, 'GET', '/api/status', { cookie })).body).state).toBe('none');

    // The next login: a new process with the same identity and history (the spawner kept alice's data).
    const again = await login(d.url, 'alice', 'pw-alice');
    await untilReady(d, again, 'alice');
    const second = (await setup!.claimed()).get('alice')!;
    expect(second.pid).not.toBe(first.pid);
    expect(second.peerId).toBe(first.peerId);
    const history = JSON.parse((await http(d.url, 'GET', '/u/alice/api/room-history?room=notes', { cookie: again })).body) as { entries: { text: string }[] };
    expect(history.entries.map((e) => e.text)).toContain('before the cull');

    const csrf = /name="csrf" value="([^"]+)"/.exec((await http(d.url, 'GET', '/logout', { cookie: again })).body)![1]!;
    expect((await postForm(d.url, '/logout', { csrf }, { cookie: again })).status).toBe(303);
    expect((await http(d.url, 'GET', '/u/alice/', { cookie: again })).status).toBe(401);
    // Logout ends that session only: the first one (another tab, say) still works.
    expect(JSON.parse((await http(d.url, 'GET', '/api/status', { cookie })).body)).toMatchObject({ user: 'alice' });
    await d.waitForEvent('logout', (e) => e.user === 'alice', 5000);
  });
});
