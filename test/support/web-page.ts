/**
 * A peer's web UI open in a fresh browser context (its own cookie jar), with
 * everything a test may want to assert nothing of: page errors, console errors,
 * dialogs (alert/confirm/prompt), and every request the page made.
 */
import type { Browser, Page } from 'playwright-core';

export interface WatchedPage {
  page: Page;
  pageErrors: string[];
  consoleErrors: string[];
  dialogs: string[];
  requests: string[];
  close(): Promise<void>;
}

/** Opens `url` in a new context and waits until the page's live stream is up. */
export async function openWebUi(browser: Browser, url: string): Promise<WatchedPage> {
  const watched = await newWatchedPage(browser);
  await watched.page.goto(url);
  await watched.page.locator('#live-status[data-state="live"]').waitFor({ timeout: 15_000 });
  return watched;
}

/** A blank page in a new context (its own cookie jar), watched from the start. */
export async function newWatchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  const watched: WatchedPage = { page, pageErrors: [], consoleErrors: [], dialogs: [], requests: [], close: () => context.close() };
  page.on('pageerror', (e) => watched.pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') watched.consoleErrors.push(m.text());
  });
  page.on('dialog', (d) => {
    watched.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => watched.requests.push(r.url()));
  return watched;
}
