/**
 * What strangers can put in front of the person at the web UI. Mallory speaks
 * the wire protocol from the .proto files alone (test/attacker): she announces
 * a name made of markup, sends markup as a direct message and a room message,
 * and claims a name that is bound to someone else. The page must show all of it
 * as literal text and run none of it, and must show the name conflict loudly with
 * both safety numbers and a way to settle it.
 */
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerEvent } from '../peer/events.js';
import { sendDatagram } from './attacker/multicast.js';
import { openSession, type AttackerSession } from './attacker/session.js';
import { newIdentity, signAnnouncement, signGroupMessage, type AttackerIdentity } from './attacker/wire.js';
import { launchChromium } from './support/chromium.js';
import { createPeers, type PeerFleet } from './support/peers.js';
import { openWebUi, type WatchedPage } from './support/web-page.js';

const WAIT = { timeout: 15_000 };
/** Markup that runs script wherever it is parsed as HTML: an onerror on a broken image, and a script tag. */
const MARKUP_NAME = '<img src=x onerror=alert(1)>';
const MARKUP_TEXT = '<img src=x onerror="alert(document.domain)"><script>alert(2)</script><b>bold?</b>';

let fleet: PeerFleet;
let browser: Browser;
let page: WatchedPage;
let mallory: AttackerIdentity;
let session: AttackerSession;
let announcing: NodeJS.Timeout;

beforeAll(async () => {
  [fleet, browser] = await Promise.all([createPeers(['alice', 'bob'], { extraArgs: ['--web', '127.0.0.1:0'] }), launchChromium()]);
  await fleet.waitForMesh(15_000);
  page = await openWebUi(browser, alice().ready.webLoginUrl!);
  mallory = newIdentity();
  // Mallory keeps announcing herself under a name made of markup, so she stays in alice's peer list.
  let seq = Date.now();
  const announce = () => sendDatagram(signAnnouncement(mallory, { name: MARKUP_NAME, grpcPort: 9, seq: seq++ }), fleet.network.group, fleet.network.port);
  await announce();
  announcing = setInterval(() => void announce().catch(() => undefined), 300);
  session = await openSession(`127.0.0.1:${alice().ready.grpcPort}`, mallory, alice().id, { name: MARKUP_NAME });
});

afterAll(async () => {
  clearInterval(announcing);
  session?.close();
  await browser?.close();
  await fleet?.[Symbol.asyncDispose]();
});

const alice = () => fleet.peers[0]!;
const bob = () => fleet.peers[1]!;

/** Everything that would show markup ran: elements it would have made, dialogs, requests for "x", errors. */
async function assertNothingRan(): Promise<void> {
  expect(await page.page.locator('img, b, #messages script, #peers script').count()).toBe(0);
  expect(await page.page.evaluate(() => document.querySelectorAll('script:not([src])').length)).toBe(0);
  expect(page.dialogs).toEqual([]);
  expect(page.requests.filter((url) => /\/x$/.test(new URL(url).pathname))).toEqual([]);
  expect(page.pageErrors).toEqual([]);
  expect(page.consoleErrors).toEqual([]);
}

describe('markup from a stranger', () => {
  it('a name made of markup is listed as literal text', async () => {
    const entry = page.page.locator(`#peers .peer[data-peer-id="${mallory.id}"]`);
    await entry.waitFor(WAIT);
    expect(await entry.locator('.peer-name').textContent()).toBe(MARKUP_NAME);
    await assertNothingRan();
  });

  it('a direct message made of markup shows as literal text in the conversation', async () => {
    const id = randomUUID();
    session.sendDirect(id, MARKUP_TEXT);
    await session.waitForAck(id, 10_000);
    await page.page.locator(`#peers .peer[data-peer-id="${mallory.id}"] .peer-open`).click();
    const shown = page.page.locator(`#messages .message[data-message-id="${id}"]`);
    await shown.waitFor(WAIT);
    expect(await shown.locator('.text').textContent()).toBe(MARKUP_TEXT);
    expect(await shown.locator('.author').textContent()).toBe(MARKUP_NAME);
    expect(await page.page.textContent('#chat-title')).toBe(MARKUP_NAME);
    await assertNothingRan();
  });

  it('a room message with a markup author name and text shows both as literal text', async () => {
    await page.page.locator('#rooms .room[data-room="everyone"] .room-open').click();
    const text = `${MARKUP_TEXT} ${randomUUID()}`;
    const { id, item } = signGroupMessage(mallory, { room: 'everyone', text, authorName: '<svg onload=alert(3)>' });
    session.sendItems([item]);
    const shown = page.page.locator(`#messages .message[data-message-id="${id}"]`);
    await shown.waitFor(WAIT);
    expect(await shown.locator('.text').textContent()).toBe(text);
    // The name shown is the one bound here to mallory's id, never the one inside the message.
    expect(await shown.locator('.author').textContent()).toBe(MARKUP_NAME);
    expect(await page.page.locator('svg').count()).toBe(0);
    await assertNothingRan();
  });
});

describe('a stranger claiming a name bound to someone else', () => {
  it('shows the conflict with both safety numbers, and the person settles it from the page', async () => {
    const impostor = newIdentity();
    const claim = await openSession(`127.0.0.1:${alice().ready.grpcPort}`, impostor, alice().id, { name: 'bob' });
    try {
      const conflict = (await alice().waitForEvent((e) => e.type === 'name_conflict' && e.claimingId === impostor.id, 10_000, 'the name_conflict')) as Extract<PeerEvent, { type: 'name_conflict' }>;
      const shown = page.page.locator(`#conflicts .conflict[data-claiming-id="${impostor.id}"]`);
      await shown.waitFor(WAIT);
      expect(await page.page.isVisible('#conflicts-section')).toBe(true);
      const text = await shown.textContent();
      expect(text).toContain('Two peers claim the name bob');
      expect(text).toContain(bob().ready.fingerprint);
      expect(text).toContain(conflict.claimingFingerprint);

      // Keeping the known bob is a deliberate /trust: the warning goes, the binding stays with bob.
      await shown.locator('button.keep-known').click();
      await expect.poll(() => page.page.isVisible('#conflicts-section'), WAIT).toBe(false);
      expect(await page.page.textContent('#banner')).toContain(`bob is now ${bob().id.slice(0, 8)}, safety number ${bob().ready.fingerprint}`);
      const sent = await alice().control.send('bob', 'by name again');
      expect(sent.toId).toBe(bob().id);
    } finally {
      claim.close();
    }
  });
});
