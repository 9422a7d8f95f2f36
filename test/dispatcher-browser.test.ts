/**
 * The dispatcher in a real browser: headless Chromium, a real `peerlab dispatcher`
 * process, the process spawner, real peer processes. People log in through the login
 * page, land in their own peer's page and chat; one of them tries every way into the
 * other's peer; forged cookies; a dispatcher restart under open pages; logout; the login
 * rate limit. One dispatcher and one browser for the whole file.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateKey } from '../dispatcher/auth/keys.js';
import { signSession } from '../dispatcher/auth/session-cookie.js';
import { launchChromium } from './support/chromium.js';
import { upgrade } from './support/dispatcher-client.js';
import { dispatcherSetup, startDispatcherProcess, type ClaimedPeer, type DispatcherProcess, type DispatcherSetup } from './support/dispatcher-process.js';
import { newWatchedPage, type WatchedPage } from './support/web-page.js';

const WAIT = { timeout: 20_000 };
const FLAGS = ['--pool', '1'];

let setup: DispatcherSetup;
let d: DispatcherProcess;
let browser: Browser;
let alice: WatchedPage;
let bob: WatchedPage;
let peers: Map<string, ClaimedPeer>;

beforeAll(async () => {
  setup = await dispatcherSetup({ alice: {}, bob: {}, carol: {}, dave: {} });
  [d, browser] = await Promise.all([startDispatcherProcess(setup, FLAGS), launchChromium()]);
});

afterAll(async () => {
  await stranger?.context().close();
  await browser?.close();
  await d?.stop();
  await setup?.cleanUp();
});

/** Logs in through the login page in a new browser context; resolves once the user's peer page is live. */
async function logIn(user: string): Promise<WatchedPage> {
  const watched = await newWatchedPage(browser);
  await watched.page.goto(d.url);
  await watched.page.fill('input[name="username"]', user);
  await watched.page.fill('input[name="password"]', `pw-${user}`);
  await watched.page.click('form[action="/login"] button[type="submit"]');
  // The progress page first (the peer is being claimed), then the peer's own page.
  await watched.page.locator('#live-status[data-state="live"]').waitFor({ timeout: 60_000 });
  return watched;
}

/** Submits the login form with these fields and returns the POST's answer. */
async function submitLogin(page: Page, user: string, password: string): Promise<{ status: number; retryAfter: string | undefined; text: string }> {
  await page.goto(d.url);
  await page.fill('input[name="username"]', user);
  await page.fill('input[name="password"]', password);
  const [answer] = await Promise.all([page.waitForResponse((r) => r.url() === `${d.url}login` && r.request().method() === 'POST'), page.click('button[type="submit"]')]);
  await page.waitForLoadState();
  return { status: answer.status(), retryAfter: answer.headers()['retry-after'], text: await page.locator('main').innerText() };
}

const peerEntry = (page: WatchedPage, id: string) => page.page.locator(`#peers .peer[data-peer-id="${id}"]`);
const message = (page: WatchedPage, text: string) => page.page.locator('#messages .message').filter({ has: page.page.locator('.text', { hasText: text }) });

async function type(page: WatchedPage, text: string): Promise<void> {
  await page.page.fill('#compose-text', text);
  await page.page.click('#compose button[type="submit"]');
}

/** The session cookie value of a page's context (HttpOnly: the page's scripts cannot read it, the test can). */
async function sessionCookie(page: WatchedPage): Promise<string> {
  const cookie = (await page.page.context().cookies(d.url)).find((c) => c.name === 'peerlab_session');
  if (!cookie) throw new Error('no session cookie');
  return cookie.value;
}

/** Status of a GET of `path` from a browser page whose only cookie is this session cookie value (one stranger's page, reused). */
async function statusWithCookie(value: string, path: string): Promise<number> {
  stranger ??= await (await browser.newContext()).newPage();
  await stranger.context().clearCookies();
  await stranger.context().addCookies([{ name: 'peerlab_session', value, url: d.url }]);
  return (await stranger.goto(`${d.url}${path}`))!.status();
}
let stranger: Page | undefined;

const sentTexts: string[] = [];

describe('two people through the dispatcher, in Chromium', () => {
  it('each logs in through the login page and lands in their own peer’s page', async () => {
    [alice, bob] = await Promise.all([logIn('alice'), logIn('bob')]);
    peers = await setup.claimed();
    expect(alice.page.url()).toBe(`${d.url}u/alice/`);
    expect(bob.page.url()).toBe(`${d.url}u/bob/`);
    for (const [user, page] of [['alice', alice], ['bob', bob]] as const) {
      await expect.poll(() => page.page.getAttribute('#self-id', 'title'), WAIT).toBe(peers.get(user)!.peerId);
      expect(await page.page.textContent('#self-name')).toBe(user);
    }
    expect(peers.get('alice')!.peerId).not.toBe(peers.get('bob')!.peerId);
    // The session cookie is HttpOnly: the page's own scripts cannot read it.
    expect(await alice.page.evaluate(() => document.cookie)).toBe('');
  }, 120_000);

  it('they chat: alice’s message appears in bob’s page, then alice’s page shows it delivered', async () => {
    await peerEntry(alice, peers.get('bob')!.peerId).locator('.peer-open').click({ timeout: 30_000 });
    await peerEntry(bob, peers.get('alice')!.peerId).locator('.peer-open').click({ timeout: 30_000 });
    const text = `hello bob ${randomUUID()}`;
    sentTexts.push(text);
    await type(alice, text);
    const received = message(bob, text);
    await received.waitFor(WAIT);
    expect(await received.locator('.author').textContent()).toBe('alice');
    await message(alice, text).locator('.tick[data-state="delivered"]').waitFor(WAIT);
  });

  it('markup in a message shows as text in the other page and runs nothing', async () => {
    const text = `<img src=x onerror="window.__pwned=1;alert(document.domain)"> ${randomUUID()}`;
    sentTexts.push(text);
    await type(bob, text);
    const shown = message(alice, text);
    await shown.waitFor(WAIT);
    expect(await shown.locator('.text').textContent()).toBe(text);
    expect(await alice.page.locator('#messages img').count()).toBe(0);
    expect(await alice.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(alice.dialogs).toEqual([]);
    expect(alice.requests.filter((url) => url.endsWith('/x'))).toEqual([]);
  });

  it('alice cannot reach bob’s peer: guessed URL, API, event stream, WebSocket, a cookie with bob’s name', async () => {
    const probe = await alice.page.context().newPage();
    try {
      const guessed = await probe.goto(`${d.url}u/bob/`);
      expect(guessed!.status()).toBe(403);
      expect(await probe.locator('body').innerText()).toContain('This is not your peer.');
      // From a page at the dispatcher's origin, with alice's cookie: every way into bob's peer is 403.
      await probe.goto(`${d.url}u/alice/`);
      const answers = await probe.evaluate(async () => {
        const get = (await fetch('/u/bob/api/state')).status;
        const post = (await fetch('/u/bob/api/send', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: 'alice', text: 'x' }) })).status;
        const stream = await new Promise<string>((resolve) => {
          const source = new EventSource('/u/bob/events');
          source.onmessage = () => resolve('message');
          source.onerror = () => {
            resolve(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
            source.close();
          };
        });
        const socket = await new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://${location.host}/u/bob/ws`);
          ws.onopen = () => resolve('open');
          ws.onclose = () => resolve('closed');
        });
        return { get, post, stream, socket };
      });
      expect(answers).toEqual({ get: 403, post: 403, stream: 'closed', socket: 'closed' });
      // What the browser does not show of the WebSocket handshake: the dispatcher's 403.
      const cookie = await sessionCookie(alice);
      expect((await upgrade(d.url, '/u/bob/ws', { cookie: `peerlab_session=${cookie}` })).status).toBe(403);
      // Alice's cookie with bob's name in it is a forgery: 401 on bob's peer and on hers.
      const [payload, mac] = cookie.split('.') as [string, string];
      const swapped = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('"alice"', '"bob"')).toString('base64url');
      expect(await statusWithCookie(`${swapped}.${mac}`, 'u/bob/')).toBe(401);
      expect(await statusWithCookie(`${swapped}.${mac}`, 'u/alice/')).toBe(401);
    } finally {
      await probe.close();
    }
  });

  it('forged, expired, malformed and two-part cookies get 401, never 500; the login page still answers', async () => {
    const key = await loadOrCreateKey(setup.stateDir);
    const sid = randomBytes(16).toString('base64url');
    const valid = await sessionCookie(alice);
    const matrix = {
      forged: signSession(randomBytes(32), { user: 'alice', sid, expiresAtMs: Date.now() + 3_600_000 }),
      expired: signSession(key, { user: 'alice', sid, expiresAtMs: Date.now() - 1000 }),
      malformed: 'not%20a%20cookie',
      'two-part': 'a.b',
      'one part': valid.split('.')[0]!,
      'three parts': `${valid}.x`,
      oversized: 'A'.repeat(2000),
    };
    const statuses: Record<string, number> = {};
    for (const [name, value] of Object.entries(matrix)) statuses[name] = await statusWithCookie(value, 'u/alice/api/state');
    expect(statuses).toEqual(Object.fromEntries(Object.keys(matrix).map((name) => [name, 401])));
    expect(await statusWithCookie(matrix.forged, '')).toBe(200);
    // A genuine cookie still works: the matrix did not break the dispatcher.
    expect(await statusWithCookie(valid, 'u/alice/api/state')).toBe(200);
  });

  it('the peer’s web token never reaches the browser', async () => {
    const tokens = await Promise.all(['alice', 'bob'].map((user) => setup.webToken(peers.get(user)!.instanceId)));
    for (const page of [alice, bob]) {
      const seen = await page.page.evaluate(async () => {
        const state = await (await fetch('./api/state')).text();
        return `${document.documentElement.outerHTML}\n${state}\n${JSON.stringify(performance.getEntries().map((e) => e.name))}`;
      });
      for (const token of tokens) expect(seen).not.toContain(token);
    }
  });

  it('a dispatcher restart keeps every assignment; the open pages carry on; a new user gets a peer of their own', async () => {
    const port = new URL(d.url).port;
    await d.stop();
    d = await startDispatcherProcess(setup, FLAGS, `127.0.0.1:${port}`);
    expect(d.events.find((e) => e.type === 'rebuilt')).toMatchObject({ assigned: ['alice', 'bob'] });
    const after = await setup.claimed();
    expect(after.get('alice')).toEqual(peers.get('alice'));
    expect(after.get('bob')).toEqual(peers.get('bob'));

    // Bob's page sends through the new dispatcher; alice's open page gets it live (its event stream came back).
    const text = `after the restart ${randomUUID()}`;
    sentTexts.push(text);
    await type(bob, text);
    await message(alice, text).waitFor({ timeout: 30_000 });
    await message(bob, text).locator('.tick[data-state="delivered"]').waitFor(WAIT);
    // A reload is the same peer with the whole conversation.
    await alice.page.reload();
    await alice.page.locator('#live-status[data-state="live"]').waitFor(WAIT);
    // Live comes with the event stream; the page's own state arrives by a fetch of its own.
    await expect.poll(() => alice.page.getAttribute('#self-id', 'title'), WAIT).toBe(peers.get('alice')!.peerId);
    await peerEntry(alice, peers.get('bob')!.peerId).locator('.peer-open').click(WAIT);
    for (const sent of sentTexts) await message(alice, sent).waitFor(WAIT);

    const carol = await logIn('carol');
    try {
      const carolPeer = (await setup.claimed()).get('carol')!;
      expect([peers.get('alice')!.instanceId, peers.get('bob')!.instanceId]).not.toContain(carolPeer.instanceId);
      await expect.poll(() => carol.page.getAttribute('#self-id', 'title'), WAIT).toBe(carolPeer.peerId);
      expect((await setup.claimed()).get('alice')).toEqual(peers.get('alice'));
    } finally {
      await carol.close();
    }
  }, 120_000);

  it('nothing went wrong in either person’s page', () => {
    for (const page of [alice, bob]) {
      expect(page.pageErrors).toEqual([]);
      expect(page.dialogs).toEqual([]);
      expect(page.requests.filter((url) => !url.startsWith(d.url))).toEqual([]);
    }
    expect(alice.requests.filter((url) => url.includes('/u/bob'))).toEqual([]);
  });

  it('logout: the open page loses its live stream and the peer answers 401 from then on', async () => {
    const logout = await alice.page.context().newPage();
    await logout.goto(`${d.url}logout`);
    await Promise.all([logout.waitForURL(d.url), logout.click('form[action="/logout"] button[type="submit"]')]);
    await logout.locator('form[action="/login"]').waitFor(WAIT);
    await alice.page.locator('#live-status[data-state="closed"]').waitFor(WAIT);
    expect((await logout.goto(`${d.url}u/alice/`))!.status()).toBe(401);
    await d.waitForEvent('logout', (e) => e.user === 'alice', 5000);
    // Bob is still in.
    expect(await bob.page.getAttribute('#live-status', 'data-state')).toBe('live');
  });

  it('the login rate limit: five wrong passwords, then even the right one gets 429 with Retry-After', async () => {
    const page = await newWatchedPage(browser);
    try {
      for (let i = 0; i < 5; i++) {
        const wrong = await submitLogin(page.page, 'dave', `wrong-${i}`);
        expect(wrong.status).toBe(401);
        expect(wrong.text).toContain('Wrong user name or password.');
      }
      const blocked = await submitLogin(page.page, 'dave', 'pw-dave');
      expect(blocked.status).toBe(429);
      expect(Number(blocked.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(blocked.text).toContain('Too many failed logins');
      expect(await page.page.context().cookies(d.url)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
