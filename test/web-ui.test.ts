/**
 * The peer's web UI in a real browser against real peer processes: two people
 * chat in their own pages (live, with the delivered tick), a message waits as
 * "sent" until its recipient comes back, rooms work, and the page works
 * unchanged under a proxy's path prefix that adds the bearer token.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedPeerProcess } from '../lab/runtimes/process/peer-process.js';
import { launchChromium } from './support/chromium.js';
import { createPeers, type PeerFleet } from './support/peers.js';
import { startPrefixProxy } from './support/prefix-proxy.js';
import { openWebUi, type WatchedPage } from './support/web-page.js';

const WEB = ['--web', '127.0.0.1:0'];
const WAIT = { timeout: 15_000 };

let fleet: PeerFleet;
let browser: Browser;
let alicePage: WatchedPage;
let bobPage: WatchedPage;

beforeAll(async () => {
  [fleet, browser] = await Promise.all([createPeers(['alice', 'bob'], { extraArgs: WEB }), launchChromium()]);
  await fleet.waitForMesh(15_000);
  [alicePage, bobPage] = await Promise.all([openWebUi(browser, loginUrl(alice())), openWebUi(browser, loginUrl(bob()))]);
});

afterAll(async () => {
  await browser?.close();
  await fleet?.[Symbol.asyncDispose]();
});

const alice = () => fleet.peers[0]!;
const bob = () => fleet.peers[1]!;

function loginUrl(peer: StartedPeerProcess): string {
  const url = peer.ready.webLoginUrl;
  if (!url) throw new Error(`${peer.spec.name} printed no login URL`);
  return url;
}

/** The entry of a peer in a page's peer list. */
const peerEntry = (page: WatchedPage, id: string) => page.page.locator(`#peers .peer[data-peer-id="${id}"]`);
/** A message in the open conversation or room, by its text. */
const message = (page: WatchedPage, text: string) => page.page.locator('#messages .message').filter({ has: page.page.locator('.text', { hasText: text }) });

async function type(page: WatchedPage, text: string): Promise<void> {
  await page.page.fill('#compose-text', text);
  await page.page.click('#compose button[type="submit"]');
}

describe('two peers, each in their own page', () => {
  it('the one-time login lands on the page itself, and each page shows the other peer with its safety number', async () => {
    expect(alicePage.page.url()).toBe(`http://127.0.0.1:${alice().ready.webPort}/`);
    await expect.poll(() => alicePage.page.textContent('#self-fingerprint'), WAIT).toBe(alice().ready.fingerprint);
    const bobInAlice = peerEntry(alicePage, bob().id);
    await bobInAlice.waitFor(WAIT);
    expect(await bobInAlice.locator('.peer-name').textContent()).toBe('bob');
    expect(await bobInAlice.locator('.fingerprint').textContent()).toBe(bob().ready.fingerprint);
    expect(await bobInAlice.locator('.badge').textContent()).toBe('✓ verified');
    await peerEntry(bobPage, alice().id).waitFor(WAIT);
  });

  it('a message typed in alice’s page appears live in bob’s, then alice’s page shows it delivered', async () => {
    await peerEntry(bobPage, alice().id).locator('.peer-open').click();
    await peerEntry(alicePage, bob().id).locator('.peer-open').click();
    const text = `hello bob ${randomUUID()}`;
    await type(alicePage, text);

    const received = message(bobPage, text);
    await received.waitFor(WAIT);
    expect(await received.locator('.author').textContent()).toBe('alice');
    expect(await received.getAttribute('class')).toContain('in');

    const sent = message(alicePage, text);
    await sent.locator('.tick[data-state="delivered"]').waitFor(WAIT);
    expect(await sent.locator('.tick').textContent()).toBe('✓ delivered');
    // The tick is the peer's own record: its history says delivered too.
    const history = await alice().control.history(bob().id);
    expect(history.find((e) => e.text === text)).toMatchObject({ direction: 'out', delivered: true });
  });

  it('a message to a peer that is away shows "sent", and turns delivered in the open page when it comes back', async () => {
    const dave = await fleet.start('dave');
    await peerEntry(alicePage, dave.id).waitFor(WAIT);
    await dave.stop();
    await peerEntry(alicePage, dave.id).locator('.peer-open').click();
    const text = `for when you are back ${randomUUID()}`;
    await type(alicePage, text);
    const sent = message(alicePage, text);
    await sent.locator('.tick[data-state="sent"]').waitFor(WAIT);
    expect(await sent.locator('.tick').textContent()).toBe('… sent');

    const back = await fleet.start('dave');
    expect(back.id).toBe(dave.id);
    await sent.locator('.tick[data-state="delivered"]').waitFor({ timeout: 30_000 });
    await back.waitForEvent((e) => e.type === 'message' && e.text === text, 10_000, 'dave to get the message');
  });

  it('a room: both join in their pages, alice says something, and it appears in bob’s page', async () => {
    const room = `lab-${randomBytes(3).toString('hex')}`;
    for (const page of [alicePage, bobPage]) {
      await page.page.fill('#join-room', room);
      await page.page.click('#join-form button[type="submit"]');
      await page.page.locator(`#rooms .room[data-room="${room}"]`).waitFor(WAIT);
      await expect.poll(() => page.page.textContent('#chat-title'), WAIT).toBe(`#${room}`);
    }
    const text = `in the room ${randomUUID()}`;
    await type(alicePage, text);
    const seen = message(bobPage, text);
    await seen.waitFor(WAIT);
    expect(await seen.locator('.author').textContent()).toBe('alice');
    await message(alicePage, text).waitFor(WAIT);
    // Joining "everyone" again changes nothing and lists bob's rooms: the page's join reached the peer.
    expect(await bob().control.joinRoom('everyone')).toContain(room);

    // Leaving from the page leaves at the peer.
    await bobPage.page.click('#leave-button');
    await expect.poll(() => bobPage.page.locator(`#rooms .room[data-room="${room}"]`).count(), WAIT).toBe(0);
    expect(await bob().control.joinRoom('everyone')).not.toContain(room);
  });

  it('nothing went wrong in either page', () => {
    for (const page of [alicePage, bobPage]) {
      expect(page.pageErrors).toEqual([]);
      expect(page.consoleErrors).toEqual([]);
      expect(page.dialogs).toEqual([]);
    }
  });
});

describe('behind a reverse proxy at /u/carol/ that adds the bearer token', () => {
  it('the page loads, lists peers, sends with a delivered tick and gets live updates, using only URLs under the prefix', async () => {
    const token = randomBytes(24).toString('base64url');
    const carol = await fleet.start('carol', { extraArgs: WEB, env: { PEERLAB_WEB_TOKEN: token } });
    expect(carol.ready.webLoginUrl).toBeUndefined();
    expect(carol.ready.webPort).toBeGreaterThan(0);
    expect((await carol.control.whoami()).webPort).toBe(carol.ready.webPort);
    await using proxy = await startPrefixProxy({ carol: { webPort: carol.ready.webPort, token } });

    const page = await openWebUi(browser, `${proxy.origin}/u/carol/`);
    try {
      await peerEntry(page, bob().id).waitFor(WAIT);
      await peerEntry(page, bob().id).locator('.peer-open').click();
      const text = `through the proxy ${randomUUID()}`;
      await type(page, text);
      await message(page, text).locator('.tick[data-state="delivered"]').waitFor(WAIT);

      const reply = `reply ${randomUUID()}`;
      await bob().control.send(carol.id, reply);
      await message(page, reply).waitFor(WAIT);

      expect(page.requests.length).toBeGreaterThan(5);
      expect(page.requests.filter((url) => !url.startsWith(`${proxy.origin}/u/carol/`))).toEqual([]);
      expect(page.requests).toContain(`${proxy.origin}/u/carol/events`);
      expect(page.pageErrors).toEqual([]);
      expect(page.consoleErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
