/**
 * The reverse proxy over real sockets, to the fake spawner's stand-in peer UIs:
 * what reaches the peer, what comes back, who may reach whom (HTTP and WebSocket).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closed, echo, http, login, originOf, upgrade, type Answer } from '../test/support/dispatcher-client.js';
import { startTestDispatcher, type TestDispatcher } from '../test/support/dispatcher-with-fake.js';
import { waitFor } from '../test/support/wait-for.js';

let t: TestDispatcher;
let alice: string;
let bob: string;
const answers: Answer[] = [];

/** A GET as alice's browser, kept to check later that no token ever came back. */
async function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const answer = await http(t.url, 'GET', path, headers);
  answers.push(answer);
  return answer;
}

async function ready(cookie: string, user: string): Promise<void> {
  await waitFor(async () => JSON.parse((await http(t.url, 'GET', '/api/status', { cookie })).body).state === 'ready', 10_000, `${user}'s peer`);
}

beforeAll(async () => {
  t = await startTestDispatcher({ alice: {}, bob: {} }, { poolSize: 1 });
  alice = await login(t.url, 'alice', 'pw-alice');
  bob = await login(t.url, 'bob', 'pw-bob');
  await ready(alice, 'alice');
  await ready(bob, 'bob');
});
afterAll(async () => {
  await t?.[Symbol.asyncDispose]();
});

describe('proxy to the user’s own peer', () => {
  it('forwards /u/NAME/rest as /rest with the bearer token, without the browser’s credentials or our cookie', async () => {
    const answer = await get('/u/alice/api/peers?x=1', {
      cookie: `${alice}; theme=dark`,
      authorization: 'Bearer from-the-browser',
      'x-forwarded-for': '6.6.6.6',
      origin: originOf(t.url),
    });
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.body);
    expect(seen.user).toBe('alice');
    expect(seen.path).toBe('/api/peers?x=1');
    expect(seen.headers.cookie).toBe('theme=dark');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-prefix']).toBe('/u/alice');
    expect(seen.headers.host).toBe(new URL(t.url).host);
    const request = t.spawner.requests.findLast((r) => r.path === '/api/peers?x=1')!;
    const instance = t.spawner.liveFor('alice')!;
    expect(request.instanceId).toBe(instance.instanceId);
    expect(request.headers.authorization).toBe(`Bearer ${instance.webToken}`);
  });

  it('sends nothing but our own cookie-less requests: no session cookie reaches any peer', () => {
    for (const request of t.spawner.requests) expect(request.headers.cookie ?? '').not.toContain('peerlab_session');
  });

  it('redirects /u/NAME to /u/NAME/', async () => {
    const answer = await get('/u/alice', { cookie: alice });
    expect(answer.status).toBe(308);
    expect(answer.headers.location).toBe('/u/alice/');
  });

  it('scopes the peer’s cookies to the user’s prefix and rewrites its redirects under it', async () => {
    const cookies = await get('/u/alice/set-cookie', { cookie: alice });
    expect(cookies.headers['set-cookie']).toEqual(['ui=1; Path=/u/alice/; HttpOnly', 'other=2; Path=/u/alice/api']);
    const moved = await get('/u/alice/redirect-abs', { cookie: alice });
    expect(moved.status).toBe(302);
    expect(moved.headers.location).toBe('/u/alice/landed?x=1');
  });

  it('never lets a peer’s web token reach the browser (headers or bodies)', async () => {
    const tokens = [...t.spawner.instances.values()].map((i) => i.webToken);
    expect(answers.length).toBeGreaterThan(3);
    for (const answer of answers) {
      const text = JSON.stringify(answer.headers) + answer.body;
      for (const token of tokens) expect(text).not.toContain(token);
    }
  });

  it('keeps `..` inside the user’s own peer', async () => {
    const answer = await get('/u/alice/../bob/api', { cookie: alice });
    expect(JSON.parse(answer.body).user).toBe('alice');
  });

  it('answers 502 (not a hang) when the peer is gone, and starts a new one on the next visit', async () => {
    await using solo = await startTestDispatcher({ zoe: {} });
    const zoe = await login(solo.url, 'zoe', 'pw-zoe');
    await waitFor(async () => JSON.parse((await http(solo.url, 'GET', '/api/status', { cookie: zoe })).body).state === 'ready', 10_000, 'zoe');
    const first = solo.spawner.liveFor('zoe')!.instanceId;
    await solo.spawner.crash(first);
    expect((await http(solo.url, 'GET', '/u/zoe/api/x', { cookie: zoe })).status).toBe(502);
    expect(solo.events).toContainEqual({ type: 'stop', user: 'zoe', reason: 'unreachable' });
    const home = await http(solo.url, 'GET', '/u/zoe/', { cookie: zoe });
    expect(home.body).toContain('Starting your peer');
    await waitFor(async () => solo.spawner.liveFor('zoe') !== undefined, 10_000, 'a new peer for zoe');
    expect(solo.spawner.liveFor('zoe')!.instanceId).not.toBe(first);
  });
});

describe('nobody reaches another user’s peer', () => {
  it.each(['/u/bob/', '/u/bob/api/peers', '/u/bob', '/u/nobody/', '/u/%62ob/', '/u/BOB/'])('alice at %s → 403', async (path) => {
    const answer = await get(path, { cookie: alice });
    expect(answer.status).toBe(403);
  });

  it('a POST to bob’s peer with alice’s session → 403, and a cross-site POST to her own → 403', async () => {
    const post = (path: string, origin: string) =>
      http(t.url, 'POST', path, { cookie: alice, origin, 'content-type': 'application/json' }, '{"text":"hi"}');
    expect((await post('/u/bob/api/send', originOf(t.url))).status).toBe(403);
    expect((await post('/u/alice/api/send', 'http://evil.example')).status).toBe(403);
    const own = await post('/u/alice/api/send', originOf(t.url));
    expect(own.status).toBe(200);
    expect(JSON.parse(own.body)).toMatchObject({ user: 'alice', method: 'POST' });
  });

  it('WebSocket: own path → 101 and bytes both ways; bob’s path, no cookie, or a foreign Origin → refused', async () => {
    const own = await upgrade(t.url, '/u/alice/ws', { cookie: alice });
    expect(own.status).toBe(101);
    expect(own.headers['x-instance']).toBe(t.spawner.liveFor('alice')!.instanceId);
    expect(await echo(own.socket!, 'ping')).toBe('ping');
    own.socket!.destroy();

    expect((await upgrade(t.url, '/u/bob/ws', { cookie: alice })).status).toBe(403);
    expect((await upgrade(t.url, '/u/alice/ws')).status).toBe(401);
    expect((await upgrade(t.url, '/u/alice/ws', { cookie: alice, origin: 'http://evil.example' })).status).toBe(403);
    expect((await upgrade(t.url, '/ws', { cookie: alice })).status).toBe(404);
    // None of the refused handshakes reached bob's peer.
    const bobId = t.spawner.liveFor('bob')!.instanceId;
    expect(t.spawner.requests.filter((r) => r.instanceId === bobId && r.path === '/ws')).toHaveLength(0);
  });

  it('logout closes that session’s WebSockets', async () => {
    const second = await login(t.url, 'alice', 'pw-alice');
    const kept = await upgrade(t.url, '/u/alice/ws', { cookie: alice });
    const ended = await upgrade(t.url, '/u/alice/ws', { cookie: second });
    expect([kept.status, ended.status]).toEqual([101, 101]);
    const csrf = /name="csrf" value="([^"]+)"/.exec((await http(t.url, 'GET', '/logout', { cookie: second })).body)![1]!;
    const out = await http(t.url, 'POST', '/logout', { cookie: second, origin: originOf(t.url), 'content-type': 'application/x-www-form-urlencoded' }, `csrf=${csrf}`);
    expect(out.status).toBe(303);
    await closed(ended.socket!);
    expect(await echo(kept.socket!, 'still here')).toBe('still here');
    kept.socket!.destroy();
  });
});
