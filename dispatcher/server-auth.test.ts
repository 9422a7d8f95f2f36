/**
 * The dispatcher's front door over real HTTP (with the fake spawner behind it):
 * login, cookies, the forged-cookie matrix, CSRF and origin checks, rate limits,
 * logout, redirects.
 */
import { createHmac } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieOf, http, login, originOf, postForm, upgrade } from '../test/support/dispatcher-client.js';
import { startTestDispatcher, type TestDispatcher } from '../test/support/dispatcher-with-fake.js';
import { waitFor } from '../test/support/wait-for.js';
import { signSession } from './auth/session-cookie.js';
import { CONTENT_SECURITY_POLICY } from './http/respond.js';

let t: TestDispatcher;
beforeAll(async () => {
  t = await startTestDispatcher({ alice: {}, bob: {}, carol: {}, root: { admin: true } });
});
afterAll(async () => {
  await t?.[Symbol.asyncDispose]();
});

describe('login page', () => {
  it('serves a form with a strict CSP and no inline script or style', async () => {
    const page = await http(t.url, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.body).toContain('<form method="post" action="/login">');
    expect(page.body).toContain('name="username"');
    expect(page.body).toContain('name="password"');
    expect(page.body).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(page.body).not.toMatch(/\son\w+=|style=/);
  });

  it('answers /healthz', async () => {
    expect(await http(t.url, 'GET', '/healthz')).toMatchObject({ status: 200, body: '{"status":"ok"}' });
  });
});

describe('POST /login', () => {
  it('sets a signed, HttpOnly, SameSite=Strict cookie with an expiry and sends the browser to /u/NAME/', async () => {
    const answer = await postForm(t.url, '/login', { username: 'alice', password: 'pw-alice' });
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/u/alice/');
    const set = answer.headers['set-cookie']![0]!;
    expect(set).toMatch(/^peerlab_session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    expect(set).not.toContain('Secure'); // plain http here; see the https test
    const status = await http(t.url, 'GET', '/api/status', { cookie: cookieOf(answer) });
    expect(JSON.parse(status.body)).toMatchObject({ user: 'alice' });
  });

  it('redirects only to the user’s own path, whatever the Referer or parameters say', async () => {
    const answer = await http(
      t.url,
      'POST',
      '/login?next=//evil.example/&redirect=https://evil.example/',
      { 'content-type': 'application/x-www-form-urlencoded', origin: originOf(t.url), referer: 'https://evil.example/steal' },
      new URLSearchParams({ username: 'bob', password: 'pw-bob', next: 'https://evil.example/' }).toString(),
    );
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/u/bob/');
  });

  it.each([
    ['a wrong password', { username: 'alice', password: 'nope' }],
    ['an unknown user', { username: 'nobody', password: 'pw-nobody' }],
    ['a name that is not a user name', { username: '../alice', password: 'pw-alice' }],
    ['no password', { username: 'alice' }],
  ])('refuses %s with 401 and no cookie', async (_name, fields) => {
    const answer = await postForm(t.url, '/login', fields as Record<string, string>);
    expect(answer.status).toBe(401);
    expect(answer.headers['set-cookie']).toBeUndefined();
    expect(answer.body).toContain('Wrong user name or password.');
  });

  it('refuses a login posted from another origin (login CSRF) with 403', async () => {
    for (const origin of ['http://evil.example', 'null']) {
      const answer = await postForm(t.url, '/login', { username: 'alice', password: 'pw-alice' }, { origin });
      expect(answer.status).toBe(403);
      expect(answer.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses bodies that are not small forms', async () => {
    const huge = await postForm(t.url, '/login', { username: 'alice', password: 'x'.repeat(20_000) });
    expect(huge.status).toBe(413);
    const json = await http(t.url, 'POST', '/login', { 'content-type': 'application/json', origin: originOf(t.url) }, '{"username":"alice"}');
    expect(json.status).toBe(415);
  });
});

describe('forged, expired and malformed cookies', () => {
  let good: string;
  let value: string;
  let key: Buffer;
  beforeAll(async () => {
    good = await login(t.url, 'carol', 'pw-carol');
    value = good.slice('peerlab_session='.length);
    key = Buffer.from((await readFile(join(t.dir, 'state', 'session.key'), 'utf8')).trim(), 'base64');
  });
  const [payloadOf, macOf] = [(v: string) => v.split('.')[0]!, (v: string) => v.split('.')[1]!];

  const cases: [string, () => string][] = [
    ['empty', () => ''],
    ['one part', () => payloadOf(value)],
    ['two parts, forged signature', () => `${payloadOf(value)}.${'A'.repeat(43)}`],
    ['two parts, empty signature', () => `${payloadOf(value)}.`],
    ['three parts', () => `${value}.${macOf(value)}`],
    ['huge', () => 'A'.repeat(6000)],
    ['bad base64', () => `${payloadOf(value)}%%%.${macOf(value)}`],
    ['another user’s name with carol’s signature', () => `${Buffer.from(JSON.stringify({ v: 1, u: 'alice', s: 'x', e: Date.now() + 1e6 })).toString('base64url')}.${macOf(value)}`],
    ['signed with another key', () => signSession(createHmac('sha256', 'x').digest(), { user: 'carol', sid: 'x', expiresAtMs: Date.now() + 1e6 })],
    ['expired (really signed)', () => signSession(key, { user: 'carol', sid: 'old', expiresAtMs: Date.now() - 1000 })],
    ['for a user no longer in the file', () => signSession(key, { user: 'ghost', sid: 'g', expiresAtMs: Date.now() + 1e6 })],
  ];

  it.each(cases)('%s → 401 on every protected route (never 500), and the login page drops it', async (_name, make) => {
    const cookie = `peerlab_session=${make()}`;
    for (const path of ['/u/carol/', '/u/carol/api/x', '/api/status', '/admin/api/users', '/admin/']) {
      const answer = await http(t.url, 'GET', path, { cookie });
      expect(answer.status, path).toBe(401);
    }
    const ws = await upgrade(t.url, '/u/carol/ws', { cookie });
    expect(ws.status).toBe(401);
    const home = await http(t.url, 'GET', '/', { cookie });
    expect(home.status).toBe(200);
    expect(home.headers['set-cookie']?.[0]).toMatch(/^peerlab_session=; Path=\/; Max-Age=0/);
  });

  it('two session cookies in one request (cookie tossing) → 401', async () => {
    expect((await http(t.url, 'GET', '/u/carol/', { cookie: `${good}; ${good}` })).status).toBe(401);
  });

  it('no cookie → 401 on the user area and the APIs', async () => {
    for (const path of ['/u/carol/', '/api/status', '/admin/api/users']) expect((await http(t.url, 'GET', path)).status, path).toBe(401);
  });
});

describe('logout', () => {
  it('needs the session’s CSRF token; then the cookie is dead, also after a restart', async () => {
    const cookie = await login(t.url, 'alice', 'pw-alice');
    const page = await http(t.url, 'GET', '/logout', { cookie });
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;

    expect((await postForm(t.url, '/logout', {}, { cookie })).status).toBe(403);
    expect((await postForm(t.url, '/logout', { csrf: (csrf[0] === 'x' ? 'y' : 'x') + csrf.slice(1) }, { cookie })).status).toBe(403);
    expect((await postForm(t.url, '/logout', { csrf }, { cookie, origin: 'http://evil.example' })).status).toBe(403);
    // Another session's token does not work either.
    const other = await login(t.url, 'alice', 'pw-alice');
    const otherCsrf = /name="csrf" value="([^"]+)"/.exec((await http(t.url, 'GET', '/logout', { cookie: other })).body)![1]!;
    expect((await postForm(t.url, '/logout', { csrf: otherCsrf }, { cookie })).status).toBe(403);
    expect((await http(t.url, 'GET', '/api/status', { cookie })).status).toBe(200);

    const out = await postForm(t.url, '/logout', { csrf }, { cookie });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/');
    expect(out.headers['set-cookie']?.[0]).toMatch(/^peerlab_session=; Path=\/; Max-Age=0/);
    expect((await http(t.url, 'GET', '/api/status', { cookie })).status).toBe(401);
    expect((await http(t.url, 'GET', '/api/status', { cookie: other })).status).toBe(200);
    await t.restart();
    expect((await http(t.url, 'GET', '/api/status', { cookie })).status).toBe(401);
    expect((await http(t.url, 'GET', '/api/status', { cookie: other })).status).toBe(200);
  });
});

describe('state files', () => {
  it('keeps the session key and the logout list 0600', async () => {
    expect((await stat(join(t.dir, 'state', 'session.key'))).mode & 0o777).toBe(0o600);
    await waitFor(async () => (await stat(join(t.dir, 'state', 'revoked-sessions.json')).catch(() => undefined)) !== undefined, 5000, 'the logout list');
    expect((await stat(join(t.dir, 'state', 'revoked-sessions.json'))).mode & 0o777).toBe(0o600);
  });
});

describe('login rate limits', () => {
  it('per user: after 5 failures even the right password gets 429 with Retry-After', async () => {
    await using limited = await startTestDispatcher({ dave: {}, erin: {} });
    for (let i = 0; i < 5; i += 1) expect((await postForm(limited.url, '/login', { username: 'dave', password: 'wrong' })).status).toBe(401);
    const blocked = await postForm(limited.url, '/login', { username: 'dave', password: 'pw-dave' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(300);
    expect(blocked.headers['set-cookie']).toBeUndefined();
    expect(limited.events).toContainEqual(expect.objectContaining({ type: 'login_failed', user: 'dave', reason: 'rate_limited' }));
    // Another user from the same address is not locked out by dave's failures.
    expect((await postForm(limited.url, '/login', { username: 'erin', password: 'pw-erin' })).status).toBe(303);
  });

  it('per address: failures over many names lock the address out', async () => {
    await using limited = await startTestDispatcher({ frank: {} }, { loginLimits: { perUser: { maxFailures: 100, windowMs: 60_000 }, perAddress: { maxFailures: 4, windowMs: 60_000 } } });
    for (let i = 0; i < 4; i += 1) expect((await postForm(limited.url, '/login', { username: `guess-${i}`, password: 'x' })).status).toBe(401);
    const blocked = await postForm(limited.url, '/login', { username: 'frank', password: 'pw-frank' });
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('counts only failures: 20 parallel logins of one user all succeed', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => postForm(t.url, '/login', { username: 'bob', password: 'pw-bob' })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(303));
  });
});
