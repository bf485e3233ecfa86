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
 * Altair loads the schema by itself (an introspection query) for its docs and autocompletion; with
 * GRAPHQL_INTROSPECTION off that is refused and queries still run.
 */
(haveChromium ? describe : describe.skip)(`GraphQL playground in a browser, offline${haveChromium ? '' : SKIPPED}`, () => {
  let app: TestApp;
  let closed: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, closed] = await Promise.all([startTestApp(), startTestApp({ GRAPHQL_INTROSPECTION: 'false' })]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await closed?.close();
  });

  /**
   * Opens the playground of `target`, checks the answers to Altair's own introspection requests
   * with `checkSchemaAnswer`, sends the preloaded query from the UI and waits for its answer on screen;
   * then checks that no Altair AI upsell is shown and nothing was fetched from elsewhere.
   */
  async function runPlayground(target: TestApp, checkSchemaAnswer: (answer: { status: number; body: any }) => void): Promise<void> {
    const context = await browser.newContext();
    const offsite: string[] = [];
    // Altair's schema loads, answered through here so their bodies are read in Node (Chromium may
    // drop a body before the page is done with it).
    const schemaAnswers: { status: number; body: any }[] = [];
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin === target.httpUrl && (route.request().postData() ?? '').includes('__schema')) {
        const answer = await route.fetch();
        schemaAnswers.push({ status: answer.status(), body: await answer.json() });
        return route.fulfill({ response: answer });
      }
      if (url.origin === target.httpUrl || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
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

    const introspection = page.waitForResponse((res) => res.url() === `${target.httpUrl}/graphql` && (res.request().postData() ?? '').includes('__schema'), { timeout: 30_000 });
    await page.goto(`${target.httpUrl}/graphql`, { waitUntil: 'load' });
    await introspection;
    expect(schemaAnswers.length).toBeGreaterThan(0);
    for (const schema of schemaAnswers) checkSchemaAnswer(schema);

    // The initial query (serverInfo, no token needed) is preloaded; send it from the UI.
    const answer = page.waitForResponse((res) => res.url() === `${target.httpUrl}/graphql` && res.request().method() === 'POST' && (res.request().postData() ?? '').includes('serverInfo'));
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
    expect([...origins]).toEqual([target.httpUrl]);
    expect(pageErrors).toEqual([]);
    await context.close();
  }

  it('loads from local assets only, loads the schema, shows no Altair AI upsell, and runs a query', async () => {
    await runPlayground(app, (schema) => {
      expect(schema.status).toBe(200);
      expect(schema.body.data.__schema.queryType).toEqual({ name: 'Query' });
    });
  });

  it('with GRAPHQL_INTROSPECTION=false: the schema load is refused with common.introspection_disabled, queries still run', async () => {
    await runPlayground(closed, (schema) => {
      expect(schema.status).toBe(400);
      expect(schema.body.errors.map((e: { extensions: { errorCode: string } }) => e.extensions.errorCode)).toEqual(['common.introspection_disabled']);
    });
  });
});
