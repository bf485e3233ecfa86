import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startTestApp, type TestApp } from './support/test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// CI installs Debian's chromium (.ci/run), so there this suite always runs. Elsewhere the skip
// says why in the suite's name (listed at the end of the run by test-run.reporter).
const haveChromium = existsSync(CHROMIUM);
const SKIPPED = ` (skipped: needs Chromium at ${CHROMIUM}: install Debian's "chromium" package or set CHROMIUM_PATH)`;

/**
 * The playground must work with no internet: the page is loaded in headless Chromium with every
 * request to a host other than the app refused, then a query is run from the page's own UI.
 */
(haveChromium ? describe : describe.skip)(`GraphQL playground in a browser, offline${haveChromium ? '' : SKIPPED}`, () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startTestApp();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('loads from local assets only, shows no Altair AI upsell, and runs a query', async () => {
    const context = await browser.newContext();
    const offsite: string[] = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin === app.httpUrl || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
      offsite.push(route.request().url());
      return route.abort('internetdisconnected');
    });
    // Every request the browser makes, whether or not the route above saw it (workers, websockets).
    const requested: string[] = [];
    context.on('request', (req) => requested.push(req.url()));
    const page = await context.newPage();
    page.on('websocket', (ws) => requested.push(ws.url()));
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    await page.goto(`${app.httpUrl}/graphql`, { waitUntil: 'load' });
    // The initial query (serverInfo, no token needed) is preloaded; send it from the UI.
    const answer = page.waitForResponse((res) => res.url() === `${app.httpUrl}/graphql` && res.request().method() === 'POST' && (res.request().postData() ?? '').includes('serverInfo'));
    const send = page.getByRole('button', { name: /send request/i }).first();
    await send.waitFor({ state: 'visible', timeout: 30_000 });
    await send.click();
    const response = await answer;
    expect(response.status()).toBe(200);
    // The answer is rendered in the result pane (reading it there rather than from the network
    // log, whose bodies Chromium may already have discarded).
    await page.getByText('"switchboard"').first().waitFor({ state: 'visible', timeout: 15_000 });
    await page.getByText('"role"').first().waitFor({ state: 'visible', timeout: 5_000 });

    // Altair shows its "Get Altair AI Assistant" banner as soon as its first window is open, so
    // by the time a query has been sent and answered it would be on screen.
    expect(await page.locator('app-banner').count()).toBe(0);
    expect(await page.getByText(/altair ai/i).count()).toBe(0);
    expect(await page.getByRole('button', { name: /try altair ai/i }).count()).toBe(0);

    expect(offsite).toEqual([]);
    const origins = new Set(requested.map((u) => new URL(u)).filter((u) => !['data:', 'blob:'].includes(u.protocol)).map((u) => u.origin));
    expect([...origins]).toEqual([app.httpUrl]);
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
