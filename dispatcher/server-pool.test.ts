/**
 * Logins, the pool, limits, culling and the admin API over real HTTP, with the
 * fake spawner: the dispatcher's own logic under concurrency and restarts.
 */
import { describe, expect, it } from 'vitest';
import { closed, http, login, originOf, postForm, upgrade } from '../test/support/dispatcher-client.js';
import { startTestDispatcher, type TestDispatcher } from '../test/support/dispatcher-with-fake.js';
import { waitFor } from '../test/support/wait-for.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => `user-${i}`);
const usersOf = (list: string[], admin?: string) => Object.fromEntries(list.map((n) => [n, { admin: n === admin }]));

async function stateOf(t: TestDispatcher, cookie: string): Promise<string> {
  return JSON.parse((await http(t.url, 'GET', '/api/status', { cookie })).body).state as string;
}

async function untilReady(t: TestDispatcher, cookie: string, who: string): Promise<void> {
  await waitFor(async () => (await stateOf(t, cookie)) === 'ready', 15_000, `${who}'s peer to be ready`, undefined, 20);
}

/** Which fake instance answers this user's /u/NAME/ (the proxy's view). */
async function instanceBehind(t: TestDispatcher, user: string, cookie: string): Promise<string> {
  const answer = await http(t.url, 'GET', `/u/${user}/whoami`, { cookie });
  expect(answer.status).toBe(200);
  const seen = JSON.parse(answer.body);
  expect(seen.user).toBe(user);
  return seen.instanceId as string;
}

describe('logins and the pool', () => {
  it('20 parallel logins of 20 users with pool 3 → 20 distinct peers, each proxied to its own', async () => {
    await using t = await startTestDispatcher(usersOf(names(20)), { poolSize: 3 });
    await waitFor(() => t.dispatcher.context.pool.vacantCount === 3, 10_000, 'the pool to fill');
    t.spawner.delayMs = 10;
    const cookies = await Promise.all(names(20).map((n) => login(t.url, n, `pw-${n}`)));
    await Promise.all(names(20).map((n, i) => untilReady(t, cookies[i]!, n)));
    const behind = await Promise.all(names(20).map((n, i) => instanceBehind(t, n, cookies[i]!)));
    expect(new Set(behind).size).toBe(20);
    // The pool refills while logins arrive, so how many came from it depends on timing; each was claimed once.
    const claimed = t.spawner.calls.claim.map((c) => c.instanceId);
    expect(claimed.length).toBeGreaterThanOrEqual(3);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.length + t.spawner.calls.startFor.length).toBe(20);
  });

  it('20 parallel logins of one user → one peer', async () => {
    await using t = await startTestDispatcher({ alice: {} }, { poolSize: 3 });
    t.spawner.delayMs = 20;
    const cookies = await Promise.all(Array.from({ length: 20 }, () => login(t.url, 'alice', 'pw-alice')));
    expect(new Set(cookies).size).toBe(20); // 20 sessions…
    await untilReady(t, cookies[0]!, 'alice');
    const behind = await Promise.all(cookies.map((c) => instanceBehind(t, 'alice', c)));
    expect(new Set(behind).size).toBe(1); // …one peer
    expect([...t.spawner.instances.values()].filter((i) => i.user === 'alice')).toHaveLength(1);
  });

  it('shows the start progress page while the peer starts, then proxies once it is up', async () => {
    await using t = await startTestDispatcher({ alice: {} });
    t.spawner.delayMs = 400;
    const cookie = await login(t.url, 'alice', 'pw-alice');
    const page = await http(t.url, 'GET', '/u/alice/', { cookie });
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('Starting your peer');
    expect(page.body).toContain('<script src="/static/progress.js" defer></script>');
    expect(JSON.parse((await http(t.url, 'GET', '/api/status', { cookie })).body)).toMatchObject({ state: 'starting', step: expect.any(String) });
    expect((await http(t.url, 'GET', '/u/alice/api/x', { cookie })).status).toBe(503);
    await untilReady(t, cookie, 'alice');
    expect(JSON.parse((await http(t.url, 'GET', '/u/alice/', { cookie })).body).user).toBe('alice');
  });

  it('a dispatcher restart keeps every assignment and the sessions; a new user gets a new peer', async () => {
    await using t = await startTestDispatcher({ alice: {}, bob: {}, carol: {} }, { poolSize: 2 });
    const alice = await login(t.url, 'alice', 'pw-alice');
    const bob = await login(t.url, 'bob', 'pw-bob');
    await untilReady(t, alice, 'alice');
    await untilReady(t, bob, 'bob');
    const before = { alice: await instanceBehind(t, 'alice', alice), bob: await instanceBehind(t, 'bob', bob) };
    await t.restart();
    expect(t.events.findLast((e) => e.type === 'rebuilt')).toMatchObject({ assigned: ['alice', 'bob'] });
    expect(await stateOf(t, alice)).toBe('ready');
    expect({ alice: await instanceBehind(t, 'alice', alice), bob: await instanceBehind(t, 'bob', bob) }).toEqual(before);
    const carol = await login(t.url, 'carol', 'pw-carol');
    await untilReady(t, carol, 'carol');
    expect(Object.values(before)).not.toContain(await instanceBehind(t, 'carol', carol));
  });
});

describe('limits and culling', () => {
  it('beyond --max-users a login gets 429 with Retry-After; a user who has a peer still gets in', async () => {
    await using t = await startTestDispatcher(usersOf(names(3)), { maxUsers: 2, idleTimeoutMs: 600_000 });
    const [a, b] = await Promise.all([login(t.url, 'user-0', 'pw-user-0'), login(t.url, 'user-1', 'pw-user-1')]);
    await untilReady(t, a!, 'user-0');
    await untilReady(t, b!, 'user-1');
    const refused = await postForm(t.url, '/login', { username: 'user-2', password: 'pw-user-2' });
    expect(refused.status).toBe(429);
    expect(refused.headers['set-cookie']).toBeUndefined();
    // Retry-After: when the soonest peer could be culled (about the idle timeout here).
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(500);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(660);
    expect((await postForm(t.url, '/login', { username: 'user-0', password: 'pw-user-0' })).status).toBe(303);
  });

  it('stops a peer idle past --idle-timeout (data kept by the spawner) and closes its sockets; the next visit starts it again', async () => {
    await using t = await startTestDispatcher({ alice: {}, bob: {} }, { idleTimeoutMs: 600 });
    const alice = await login(t.url, 'alice', 'pw-alice');
    const bob = await login(t.url, 'bob', 'pw-bob');
    await untilReady(t, alice, 'alice');
    await untilReady(t, bob, 'bob');
    const socket = (await upgrade(t.url, '/u/alice/ws', { cookie: alice })).socket!;
    // bob keeps his peer busy; alice's only traffic was the handshake.
    const busy = setInterval(() => void http(t.url, 'GET', '/u/bob/ping', { cookie: bob }), 100);
    try {
      await waitFor(() => t.events.some((e) => e.type === 'cull' && e.user === 'alice'), 10_000, 'alice culled');
      await closed(socket);
      expect(t.spawner.calls.stop).toEqual(['alice']);
      expect(t.spawner.liveFor('bob')).toBeDefined();
    } finally {
      clearInterval(busy);
    }
    expect(await stateOf(t, alice)).toBe('none');
    expect((await http(t.url, 'GET', '/u/alice/', { cookie: alice })).body).toContain('Starting your peer');
    await untilReady(t, alice, 'alice');
  });
});

describe('admin API', () => {
  it('lists users and peers for admins only, without addresses or tokens', async () => {
    await using t = await startTestDispatcher({ alice: {}, root: { admin: true } });
    const alice = await login(t.url, 'alice', 'pw-alice');
    const root = await login(t.url, 'root', 'pw-root');
    await untilReady(t, alice, 'alice');
    expect((await http(t.url, 'GET', '/admin/api/users', { cookie: alice })).status).toBe(403);
    expect((await http(t.url, 'GET', '/admin/', { cookie: alice })).status).toBe(403);
    const list = await http(t.url, 'GET', '/admin/api/users', { cookie: root });
    expect(list.status).toBe(200);
    const body = JSON.parse(list.body);
    const instance = t.spawner.liveFor('alice')!;
    expect(body.users.find((u: { name: string }) => u.name === 'alice')).toMatchObject({ name: 'alice', admin: false, state: 'ready', instanceId: instance.instanceId, idleMs: expect.any(Number) });
    expect(body.users.find((u: { name: string }) => u.name === 'root')).toMatchObject({ admin: true });
    expect(list.body).not.toContain(instance.webToken);
    expect(list.body).not.toContain(new URL(instance.webUrl).port);
    const page = await http(t.url, 'GET', '/admin/', { cookie: root });
    expect(page.body).toContain('<script src="/static/admin.js" defer></script>');
  });

  it('stops a user’s peer on a same-origin POST with the CSRF token, and only then', async () => {
    await using t = await startTestDispatcher({ alice: {}, root: { admin: true } });
    const alice = await login(t.url, 'alice', 'pw-alice');
    const root = await login(t.url, 'root', 'pw-root');
    await untilReady(t, alice, 'alice');
    const socket = (await upgrade(t.url, '/u/alice/ws', { cookie: alice })).socket!;
    const { csrfToken } = JSON.parse((await http(t.url, 'GET', '/admin/api/users', { cookie: root })).body);
    const stop = (headers: Record<string, string>) => http(t.url, 'POST', '/admin/api/users/alice/stop', { origin: originOf(t.url), ...headers });
    expect((await stop({ cookie: root })).status).toBe(403);
    expect((await stop({ cookie: root, 'x-csrf-token': csrfToken, origin: 'http://evil.example' })).status).toBe(403);
    const aliceToken = JSON.parse((await http(t.url, 'GET', '/admin/api/users', { cookie: root })).body).csrfToken;
    expect((await stop({ cookie: alice, 'x-csrf-token': aliceToken })).status).toBe(403);
    expect((await http(t.url, 'POST', '/admin/api/users/nobody/stop', { cookie: root, origin: originOf(t.url), 'x-csrf-token': csrfToken })).status).toBe(404);
    expect(t.spawner.liveFor('alice')).toBeDefined();

    const done = await stop({ cookie: root, 'x-csrf-token': csrfToken });
    expect(done.status).toBe(200);
    expect(JSON.parse(done.body)).toEqual({ stopped: 'alice' });
    expect(t.spawner.liveFor('alice')).toBeUndefined();
    await closed(socket);
    expect(t.events).toContainEqual({ type: 'stop', user: 'alice', reason: 'admin' });
  });
});
