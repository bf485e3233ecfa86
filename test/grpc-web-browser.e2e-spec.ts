import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { GrpcTestClient } from './support/grpc-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const SKIPPED = ` (skipped: needs Chromium at ${CHROMIUM}: install Debian's "chromium" package or set CHROMIUM_PATH)`;

/**
 * A page in the style of RustBill's customer client (src/api/grpc-client.ts): fetch() POST with
 * application/grpc-web+proto, X-Grpc-Web and a bearer token, status from the response headers,
 * else the first data frame decoded, here with a few lines of protobuf reading (field 1 repeated,
 * its string fields 1 and 2). It also pings /health cross-origin, as the client does to pick an
 * endpoint.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><title>rustbill-like</title>
<ul id="gateways"></ul><ul id="providers"></ul><pre id="status"></pre>
<script>
const params = new URLSearchParams(location.search);
const endpoint = params.get('endpoint');
const token = params.get('token');
function frame(bytes) { const out = new Uint8Array(5 + bytes.length); new DataView(out.buffer).setUint32(1, bytes.length); out.set(bytes, 5); return out; }
function varint(buf, at) { let n = 0, shift = 0, b; do { b = buf[at++]; n += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80); return [n, at]; }
function fields(buf) {
  const out = []; let at = 0;
  while (at < buf.length) {
    let key; [key, at] = varint(buf, at);
    const no = Math.floor(key / 8), wire = key & 7;
    if (wire === 0) { let v; [v, at] = varint(buf, at); out.push([no, v]); }
    else if (wire === 2) { let len; [len, at] = varint(buf, at); out.push([no, buf.subarray(at, at + len)]); at += len; }
    else throw new Error('wire type ' + wire);
  }
  return out;
}
async function call(service, method) {
  const res = await fetch(endpoint + '/rustbill.integration.' + service + '/' + method, {
    method: 'POST',
    headers: { 'Content-Type': 'application/grpc-web+proto', 'X-Grpc-Web': '1', Authorization: 'Bearer ' + token },
    body: frame(new Uint8Array(0)),
  });
  const status = res.headers.get('grpc-status');
  if (status !== null && status !== '0') throw new Error('grpc-status ' + status + ' ' + decodeURIComponent(res.headers.get('grpc-message') || '') + ' error-code=' + res.headers.get('error-code'));
  const body = new Uint8Array(await res.arrayBuffer());
  const length = new DataView(body.buffer).getUint32(1);
  if (body[0] !== 0) throw new Error('first frame is not a data frame');
  return fields(body.subarray(5, 5 + length));
}
const text = (bytes) => new TextDecoder().decode(bytes);
(async () => {
  const health = await fetch(endpoint + '/health');
  const gateways = await call('IntegrationService', 'ListGateways');
  for (const [, g] of gateways) { const f = Object.fromEntries(fields(g).filter(([, v]) => v instanceof Uint8Array).map(([n, v]) => [n, text(v)])); const li = document.createElement('li'); li.textContent = f[2] + ' (' + f[1] + ')'; document.getElementById('gateways').append(li); }
  const providers = await call('IntegrationService', 'ListProviders');
  for (const [, p] of providers) { const f = Object.fromEntries(fields(p).filter(([, v]) => v instanceof Uint8Array).map(([n, v]) => [n, text(v)])); const li = document.createElement('li'); li.textContent = f[2]; document.getElementById('providers').append(li); }
  document.getElementById('status').textContent = 'done health=' + health.status;
})().catch((err) => { document.getElementById('status').textContent = 'failed: ' + err.message; });
</script>`;

(haveChromium ? describe : describe.skip)(`gRPC-Web from a page on another origin, in Chromium${haveChromium ? '' : SKIPPED}`, () => {
  let app: TestApp;
  let browser: Browser;
  let site: Server;
  let siteOrigin: string;

  beforeAll(async () => {
    site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    // localhost vs 127.0.0.1: another origin than the gRPC port's in every part but the scheme.
    siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
    app = await startTestApp({ NODE_ENV: 'production', CORS_ORIGINS: siteOrigin });
    const native = new GrpcTestClient(app.grpcAddress);
    try {
      const plugins = await native.call<{ plugins: { id: string; plugin_id: string; plugin_type: string }[] }>('IntegrationService', 'ListPlugins', {}, app.tokens.admin);
      const def = (id: string) => plugins.response!.plugins.find((p) => p.plugin_id === id)!.id;
      await native.call('IntegrationService', 'CreatePluginInterface', { plugin_def_id: def('bank_transfer'), display_name: 'Bank transfer', config_json: JSON.stringify({ bank_name: 'B', account_name: 'A', account_number: '1' }) }, app.tokens.admin);
      await native.call('IntegrationService', 'CreatePluginInterface', { plugin_def_id: def('reseller'), display_name: 'Reseller', config_json: JSON.stringify({ api_url: 'http://127.0.0.1:9/', api_key: 'rk_live_0e9d8c7b6a5f' }) }, app.tokens.admin);
    } finally {
      native.close();
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  const open = async (origin: string) => {
    const page = await browser.newPage();
    const endpoint = `http://127.0.0.1:${app.running.grpcPort}`;
    await page.goto(`${origin}/?endpoint=${encodeURIComponent(endpoint)}&token=${encodeURIComponent(app.tokens.admin)}`);
    await page.waitForFunction("document.getElementById('status').textContent !== ''", null, { timeout: 15_000 });
    return page;
  };

  it('lists gateways and providers from the gRPC port, CORS allowing the page origin', async () => {
    const page = await open(siteOrigin);
    expect(await page.textContent('#status')).toBe('done health=200');
    expect(await page.locator('#gateways li').allTextContents()).toEqual([expect.stringMatching(/^Bank transfer \([0-9a-f-]{36}\)$/)]);
    expect(await page.locator('#providers li').allTextContents()).toEqual(['Reseller']);
    await page.close();
  });

  it('is refused by the browser from an origin CORS_ORIGINS does not list', async () => {
    const page = await open(siteOrigin.replace('localhost', '127.0.0.1'));
    expect(await page.textContent('#status')).toMatch(/^failed: Failed to fetch/);
    await page.close();
  });
});
