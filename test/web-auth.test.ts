/**
 * Who gets into a peer's web UI, and what it takes from them, over raw HTTP
 * against real peer processes: every route refuses a request without
 * credentials (the event stream too); the one-time login URL works once; the
 * bearer token works; forged and malformed cookies get 401, never 500; a POST
 * from another origin gets 403; bodies are size-limited and validated as the
 * control API's requests are; every answer carries the security headers, and the
 * page has no inline script.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedPeerProcess } from '../lab/runtimes/process/peer-process.js';
import { LIMITS } from '../peer/limits.js';
import { CONTENT_SECURITY_POLICY } from '../peer/web/web-response.js';
import { httpRequest, type HttpAnswer } from './support/http-request.js';
import { createPeers, type PeerFleet } from './support/peers.js';
import { startTerminalPeer } from './support/terminal-peer.js';

const TOKEN = randomBytes(24).toString('base64url');

let fleet: PeerFleet;
/** The cookie header solo's login URL handed out. */
let cookie: string;

beforeAll(async () => {
  fleet = await createPeers(['solo'], { extraArgs: ['--web', '127.0.0.1:0'] });
  await fleet.start('fronted', { extraArgs: ['--web', '127.0.0.1:0'], env: { PEERLAB_WEB_TOKEN: TOKEN } });
});

afterAll(async () => {
  await fleet?.[Symbol.asyncDispose]();
});

const solo = () => fleet.peers[0]!;
const fronted = () => fleet.peers[1]!;
const base = (peer = solo()) => `http://127.0.0.1:${peer.ready.webPort}`;
/** `path` on `peer`'s UI, OTHER standing for the other peer's name. */
const at = (peer: StartedPeerProcess, path: string) => `${base(peer)}${path.replace('OTHER', peer === solo() ? 'fronted' : 'solo')}`;
const json = (answer: HttpAnswer) => JSON.parse(answer.body) as { error: string; message: string };

/** Every route of the UI, and a path that is none (the history is of the other peer). */
const GETS = ['/', '/index.html', '/app.js', '/style.css', '/api/state', '/api/history?peer=OTHER', '/api/room-history?room=everyone', '/events', '/nowhere'];
const POSTS = ['/api/send', '/api/say', '/api/join', '/api/leave', '/api/trust'];

function expectSecurityHeaders(answer: HttpAnswer): void {
  expect(answer.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['referrer-policy']).toBe('no-referrer');
}

/** A same-origin JSON POST to solo, as the page sends it. */
function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return httpRequest(`${base()}${path}`, {
    method: 'POST',
    headers: { cookie, origin: base(), 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('without credentials', () => {
  it('every route answers 401 with a JSON message and the security headers, on both kinds of peer', async () => {
    for (const peer of [solo(), fronted()]) {
      for (const [method, path] of [...GETS.map((p) => ['GET', p] as const), ...POSTS.map((p) => ['POST', p] as const)]) {
        const answer = await httpRequest(at(peer, path), { method, headers: { 'content-type': 'application/json', origin: base(peer) }, body: method === 'POST' ? '{}' : undefined });
        expect(answer.status, `${peer.spec.name} ${method} ${path}`).toBe(401);
        expect(json(answer).error).toBe('unauthorized');
        expectSecurityHeaders(answer);
      }
    }
    expect(json(await httpRequest(`${base()}/api/state`)).message).toContain('one-time login URL');
    expect(json(await httpRequest(`${base(fronted())}/api/state`)).message).toContain('Bearer');
  });

  it('a login URL with a wrong, malformed or missing secret is 401', async () => {
    for (const query of ['', '?once=', `?once=${randomBytes(32).toString('base64url')}`, '?once=%00%ff', `?once=${'a'.repeat(5000)}`, '?once=a&once=b']) {
      expect((await httpRequest(`${base()}/login${query}`)).status, query).toBe(401);
    }
    // A peer behind a dispatcher has no login URL at all.
    expect(fronted().ready.webLoginUrl).toBeUndefined();
    expect((await httpRequest(`${base(fronted())}/login?once=${randomBytes(32).toString('base64url')}`)).status).toBe(401);
  });
});

describe('the one-time login URL', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie and sends the browser to ./, once', async () => {
    const url = solo().ready.webLoginUrl!;
    expect(url).toMatch(new RegExp(`^${base()}/login\\?once=[A-Za-z0-9_-]{43}$`));
    const first = await httpRequest(url);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('./');
    expect(first.headers['cache-control']).toBe('no-store');
    const setCookie = String(first.headers['set-cookie']);
    expect(setCookie).toMatch(/^peerlab_[0-9a-f]{12}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    cookie = setCookie.split(';')[0]!;

    const again = await httpRequest(url);
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();

    for (const path of GETS.filter((p) => p !== '/nowhere')) {
      const answer = await httpRequest(at(solo(), path), { headers: { cookie }, headersOnly: path === '/events' });
      expect(answer.status, path).toBe(200);
    }
    const events = await httpRequest(`${base()}/events`, { headers: { cookie }, headersOnly: true });
    expect(events.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect((await httpRequest(`${base()}/nowhere`, { headers: { cookie } })).status).toBe(404);
  });

  it('forged, malformed and misplaced cookies are 401, never 500, and the peer stays up', async () => {
    const [name, value] = cookie.split('=') as [string, string];
    const otherShape = randomBytes(32).toString('base64url');
    const forged = [
      `${name}=${otherShape}`,
      `${name}=${value.slice(0, -1)}`,
      `${name}=${value}x`,
      `${name}=`,
      `${name}`,
      `${name}==${value}`,
      `${name}=${value.toUpperCase()}`,
      `${name}=eyJhbGciOiJub25lIn0.eyJ1c2VyIjoic29sbyJ9`,
      `${name}=eyJhbGciOiJub25lIn0.eyJ1c2VyIjoic29sbyJ9.`,
      `peerlab_000000000000=${value}`,
      `${name.toUpperCase()}=${value}`,
      `${name}=${'%'.repeat(43)}`,
      `${name}=${'é'.repeat(43)}`,
      ';;;;=;=;',
      `${name}=${'a'.repeat(12_000)}`,
      Array.from({ length: 200 }, (_, i) => `c${i}=${otherShape}`).join('; '),
    ];
    for (const header of forged) {
      const answer = await httpRequest(`${base()}/api/state`, { headers: { cookie: header } });
      expect(answer.status, header.slice(0, 80)).toBe(401);
      expect(json(answer).error).toBe('unauthorized');
    }
    // A real session cookie among junk still works.
    expect((await httpRequest(`${base()}/api/state`, { headers: { cookie: `a=b; ${name}=${otherShape}; ${cookie}` } })).status).toBe(200);
    expect((await solo().control.whoami()).webPort).toBe(solo().ready.webPort);
  });
});

describe('the bearer token', () => {
  it('opens every route of a peer started with --web-token; a wrong one, or another scheme, is 401', async () => {
    for (const path of GETS.filter((p) => p !== '/nowhere')) {
      const answer = await httpRequest(at(fronted(), path), { headers: { authorization: `Bearer ${TOKEN}` }, headersOnly: path === '/events' });
      expect(answer.status, path).toBe(200);
    }
    const state = JSON.parse((await httpRequest(`${base(fronted())}/api/state`, { headers: { authorization: `bearer ${TOKEN}` } })).body) as { self: { id: string } };
    expect(state.self.id).toBe(fronted().id);
    const wrongSameLength = `${TOKEN.slice(0, -1)}${TOKEN.endsWith('A') ? 'B' : 'A'}`;
    for (const header of [`Bearer ${wrongSameLength}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, TOKEN, 'Bearer ', `Bearer  ${TOKEN}`]) {
      expect((await httpRequest(`${base(fronted())}/api/state`, { headers: { authorization: header } })).status, header).toBe(401);
    }
    // A token means nothing to a standalone peer, which has none.
    expect((await httpRequest(`${base()}/api/state`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
  });

  it('a script with the token may POST without an Origin; with an Origin it must be this server or the proxy in front', async () => {
    const send = (headers: Record<string, string>) =>
      httpRequest(`${base(fronted())}/api/join`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers }, body: '{"room":"ops"}' });
    expect((await send({})).status).toBe(200);
    expect((await send({ origin: 'http://proxy.example:8080', 'x-forwarded-host': 'proxy.example:8080' })).status).toBe(200);
    expect((await send({ origin: 'http://evil.example', 'x-forwarded-host': 'proxy.example:8080' })).status).toBe(403);
  });
});

describe('POSTs', () => {
  it('from another origin, or from a browser without one, are 403 and change nothing', async () => {
    const room = `r${randomBytes(3).toString('hex')}`;
    const refused: Array<Record<string, string | undefined>> = [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: `http://localhost:${solo().ready.webPort}` },
      { origin: base(), 'sec-fetch-site': 'cross-site' },
      { origin: undefined },
    ];
    for (const headers of refused) {
      const all = { cookie, 'content-type': 'application/json', ...headers } as Record<string, string>;
      if (headers.origin === undefined) delete all.origin;
      const answer = await httpRequest(`${base()}/api/join`, { method: 'POST', headers: all, body: JSON.stringify({ room }) });
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(json(answer).error).toBe('cross_origin');
    }
    expect(await solo().control.joinRoom('everyone')).not.toContain(room);
    expect((await post('/api/join', { room })).status).toBe(200);
    expect(await solo().control.joinRoom('everyone')).toContain(room);
  });

  it('over the control API request limit are 413, whether declared or streamed', async () => {
    const big = JSON.stringify({ to: 'fronted', text: 'x'.repeat(LIMITS.controlRequestBytes) });
    const declared = await post('/api/send', big);
    expect(declared.status).toBe(413);
    expect(json(declared).message).toContain(`over the limit of ${LIMITS.controlRequestBytes}`);
    const streamed = await post('/api/send', big, { 'transfer-encoding': 'chunked' });
    expect(streamed.status).toBe(413);
  });

  it('are checked as the control API checks its requests, with errors that name the field and the limit', async () => {
    const cases: Array<[string, string | object, Record<string, string>, number, string]> = [
      ['not JSON', '{"to":', {}, 400, 'not JSON'],
      ['not an object', '["fronted","hi"]', {}, 400, 'must be a JSON object'],
      ['a form post', 'to=fronted&text=hi', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'application/json'],
      ['text/plain', '{"to":"fronted","text":"hi"}', { 'content-type': 'text/plain' }, 415, 'application/json'],
      ['a missing field', { to: 'fronted' }, {}, 400, 'field "text" must be a string'],
      ['a number for a string', { to: 'fronted', text: 5 }, {}, 400, 'field "text" must be a string, got number'],
      ['an unknown field', { to: 'fronted', text: 'hi', as: 'bob' }, {}, 400, 'unknown field "as"'],
      ['a text over its limit', { to: 'fronted', text: 'x'.repeat(LIMITS.messageTextBytes + 1) }, {}, 400, `text is ${LIMITS.messageTextBytes + 1} bytes, over the limit of ${LIMITS.messageTextBytes}`],
      ['a name over its limit', { name: 'n'.repeat(65), peer: 'fronted' }, {}, 400, 'name is 65 bytes, over the limit of 64'],
      ['an unknown peer', { to: 'nobody-here', text: 'hi' }, {}, 400, 'No peer named "nobody-here"'],
      ['a bad room', { room: 'two words', text: 'hi' }, {}, 400, 'room name must not contain spaces'],
    ];
    for (const [what, body, headers, status, message] of cases) {
      const path = what === 'a name over its limit' ? '/api/trust' : what === 'a bad room' ? '/api/say' : '/api/send';
      const answer = await post(path, body, headers);
      expect(answer.status, what).toBe(status);
      expect(json(answer).message, what).toContain(message);
    }
    for (const [query, message] of [['?peer=', '"peer" is required'], ['?peer=fronted&limit=0', 'limit must be a whole number from 1 to 10000'], [`?peer=${'p'.repeat(200)}`, 'peer is 200 bytes']] as const) {
      const answer = await httpRequest(`${base()}/api/history${query}`, { headers: { cookie } });
      expect(answer.status, query).toBe(400);
      expect(json(answer).message).toContain(message);
    }
    expect((await httpRequest(`${base()}/api/send`, { headers: { cookie } })).status).toBe(405);
  });
});

describe('odd request lines', () => {
  it('are answered 400/401/404 (never 500) and leave the peer serving', async () => {
    const raw = (line: string, headers = '') =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(solo().ready.webPort, '127.0.0.1', () => socket.end(`${line}\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`));
        let answer = '';
        socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk)).on('end', () => resolve(answer.split('\r\n')[0]!)).on('error', reject);
      });
    const cases: Array<[string, string, RegExp]> = [
      ['GET //%% HTTP/1.1', `Cookie: ${cookie}\r\n`, / 404 /],
      ['GET http://[bad HTTP/1.1', `Cookie: ${cookie}\r\n`, / 400 /],
      ['GET http://elsewhere.example/api/state HTTP/1.1', '', / 401 /],
      ['GET /api/state?peer=%ZZ HTTP/1.1', `Cookie: ${cookie}\r\n`, / 200 /],
      ['BREW /api/state HTTP/1.1', `Cookie: ${cookie}\r\n`, / 40\d /],
      ['GET /../../etc/passwd HTTP/1.1', `Cookie: ${cookie}\r\n`, / 404 /],
    ];
    for (const [line, headers, status] of cases) expect(await raw(line, headers), line).toMatch(status);
    expect((await httpRequest(`${base()}/api/state`, { headers: { cookie } })).status).toBe(200);
  });
});

describe('the page', () => {
  it('is served with the CSP and carries no inline script, no inline style and no absolute URL', async () => {
    const page = await httpRequest(`${base()}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expectSecurityHeaders(page);
    expect(page.headers['x-frame-options']).toBe('DENY');
    const html = page.body;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\ssrc="\.\/[a-z-]+\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/\sstyle\s*=|<style/i);
    expect(html).not.toMatch(/(?:src|href|action)="(?!\.\/)/i);
    for (const file of ['app.js', 'api.js', 'live.js', 'render.js', 'dom.js']) {
      const js = await httpRequest(`${base()}/${file}`, { headers: { cookie } });
      expect(js.headers['content-type'], file).toBe('text/javascript; charset=utf-8');
      const code = js.body.replace(/^\s*\/\/.*$/gm, '');
      expect(code, file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
      expect(code, file).not.toMatch(/['"`]\/(api|events)/);
    }
  });
});

describe('a standalone peer at a terminal', () => {
  it('prints its login URL, and /web-login gives a new one that works once while the old one stops working', async () => {
    await using carol = startTerminalPeer(fleet, 'carol', ['--web', '127.0.0.1:0']);
    await carol.waitForScreen(/web UI: http:\/\/127\.0\.0\.1:\d+\/login\?once=[A-Za-z0-9_-]{43} \(the link works once\)/, 15_000);
    const first = /web UI: (\S+)/.exec(carol.screen)![1]!;
    carol.type('/web-login');
    await carol.waitForScreen(/web UI: [^\n]+\n[\s\S]*web UI: /, 15_000, 'a second login URL');
    const urls = [...carol.screen.matchAll(/web UI: (\S+)/g)].map((m) => m[1]!);
    const second = urls[1]!;
    expect(second).not.toBe(first);
    expect((await httpRequest(first)).status).toBe(401);
    expect((await httpRequest(second)).status).toBe(303);
    expect((await httpRequest(second)).status).toBe(401);
  });
});
