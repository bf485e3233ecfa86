import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_POOL } from '../src/modules/plugins/plugin-sandbox.factory.js';
import type { SandboxPool } from '../src/modules/plugins/sandbox/sandbox-pool.js';
import { HttpTarget } from './support/fake-servers/http-target.js';
import { graphql } from './support/http-client.js';
import { waitFor } from './support/wait-for.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * The scanner under hostile and slow files: each file is judged and stored on its own, the boot
 * never depends on one file, slow scripts do not hold the boot one after another, and the
 * sandbox's own start-up or failure is never taken for a verdict on a script.
 */

const VALID = (extra = '') => `
function version() { return "1.0.0"; }
function config_schema() { return { type: "object", properties: {} }; }
function health_check(config, params) { return { healthy: true }; }
function channel() { return "webhook"; }
function supported_events() { return ["order_paid"]; }
function send(config, params) { return { outcome: "success" }; }
${extra}`;

const DEEP_SCHEMA = `
function config_schema() {
  const root = { type: "object" };
  let node = root;
  for (let i = 0; i < 6000; i++) { node.properties = { p: { type: "object" } }; node = node.properties.p; }
  return root;
}
function health_check() { return { healthy: true }; }
function create_payment() { return { instructions: "x" }; }
function verify_callback() { return { valid: false }; }
`;

const HOSTILE: Record<string, string> = {
  'notifier/good.js': VALID(),
  // A NUL byte in the file (PostgreSQL text refuses it).
  'notifier/nul_source.js': VALID('function admin_x() { return "a\u0000b"; }'),
  'gateway/deep_schema.js': DEEP_SCHEMA,
  'notifier/nul_schema.js': VALID().replace('properties: {} }', 'properties: {}, description: "a\\u0000b" }'),
  'notifier/throws_nul.js': 'function config_schema() { return {}; }\nthrow "\\u0000";',
};
const LOOPERS = 4;
for (let i = 0; i < LOOPERS; i++) HOSTILE[`notifier/loop${i}.js`] = `${VALID()}\nwhile (true) {}`;

type Row = { pluginType: string; pluginId: string; valid: boolean; invalidReason: string | null; version: string };

async function rows(app: TestApp): Promise<Map<string, Row>> {
  const res = await graphql(app.httpUrl, '{ plugins { pluginType pluginId valid invalidReason version } }', {}, app.tokens.admin);
  return new Map((res.body.data.plugins as Row[]).map((p) => [`${p.pluginType}/${p.pluginId}`, p]));
}

function writeScripts(scripts: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-scan-'));
  for (const [path, source] of Object.entries(scripts)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  return dir;
}

describe('plugin scanner: hostile files', () => {
  let app: TestApp;
  let dir: string;
  let bootMs: number;
  let atBoot: Map<string, Row>;

  beforeAll(async () => {
    dir = writeScripts(HOSTILE);
    const started = Date.now();
    app = await startTestApp({ PLUGINS_DIR: dir, PLUGIN_TIMEOUT_MS: '1000', PLUGIN_WORKERS: '2' });
    bootMs = Date.now() - started;
    atBoot = await rows(app);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('boots, and the good file is valid, whatever the others hold', () => {
    expect(atBoot.get('notifier/good')).toMatchObject({ valid: true, version: '1.0.0' });
  });

  it('boot does not wait for slow scripts one after another', () => {
    // Each looping file needs 1 s, then 4 s to confirm its verdict: 4 × 5 s of looping on 2 workers
    // is 10 s; boot waits at most the timeout + 5 s (6 s) for the first scan.
    const judged = [...Array(LOOPERS).keys()].filter((i) => atBoot.has(`notifier/loop${i}`)).length;
    expect(judged).toBeLessThan(LOOPERS);
    expect(bootMs).toBeLessThan(LOOPERS * 5 * 1000);
  });

  it('stores each hostile file as invalid with a printable reason', async () => {
    const all = await waitFor(async () => {
      const current = await rows(app);
      return Object.keys(HOSTILE).every((path) => current.has(path.replace(/\.js$/, ''))) && current;
    }, 45_000);
    const reasonOf = (key: string) => {
      const row = all.get(key)!;
      expect(row.valid).toBe(false);
      // eslint-disable-next-line no-control-regex -- looking for exactly those
      expect(row.invalidReason).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
      return row.invalidReason;
    };
    expect(reasonOf('notifier/nul_source')).toMatch(/NUL character at offset \d+/);
    expect(reasonOf('gateway/deep_schema')).toMatch(/config_schema\(\)|stack|nested deeper than 32/);
    expect(reasonOf('notifier/nul_schema')).toMatch(/config_schema\(\) contains a NUL character \(\\u0000\) at \/description/);
    expect(reasonOf('notifier/throws_nul')).toMatch(/failed to load: .*\\u0000/);
    for (let i = 0; i < LOOPERS; i++) expect(reasonOf(`notifier/loop${i}`)).toMatch(/timed out while loading after 1000 ms/);
    expect(all.get('notifier/good')!.valid).toBe(true);
  });

  it('the next scan still registers new files', async () => {
    writeFileSync(join(dir, 'notifier', 'later.js'), VALID());
    const res = await graphql(app.httpUrl, 'mutation { rescanPlugins { changed invalid retrying } }', {}, app.tokens.admin);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.rescanPlugins.changed).toContain('notifier/later');
    expect((await rows(app)).get('notifier/later')).toMatchObject({ valid: true });
  });
});

describe('plugin scanner: the sandbox start-up is not the script time', () => {
  let app: TestApp;

  afterAll(async () => {
    await app?.close();
  });

  it('with a 150 ms budget the built-in plugins are all valid, although starting a worker takes longer', async () => {
    // The first inspection spawns a worker thread and compiles QuickJS (0.5 s idle, over 1 s on a
    // busy machine): counting that against the script condemned valid plugins as "sandbox crashed".
    app = await startTestApp({ PLUGIN_TIMEOUT_MS: '150' });
    // Boot waits a bounded time for the scan; on a busy machine the rest lands shortly after.
    const all = await waitFor(async () => {
      const current = await rows(app);
      return current.size >= 7 && current;
    }, 45_000);
    for (const row of all.values()) expect({ plugin: `${row.pluginType}/${row.pluginId}`, valid: row.valid, reason: row.invalidReason }).toMatchObject({ valid: true, reason: null });
  });

  it('a failing sandbox is no verdict: the file is reported as retrying and nothing is stored', async () => {
    const dir = writeScripts({ 'notifier/first.js': VALID() });
    const other = await startTestApp({ PLUGINS_DIR: dir });
    try {
      expect((await rows(other)).get('notifier/first')).toMatchObject({ valid: true });
      await other.running.app.get<SandboxPool>(SANDBOX_POOL).close();
      writeFileSync(join(dir, 'notifier', 'second.js'), VALID());
      writeFileSync(join(dir, 'notifier', 'first.js'), VALID('function admin_more() { return 1; }'));
      const res = await graphql(other.httpUrl, 'mutation { rescanPlugins { changed retrying } }', {}, other.tokens.admin);
      expect(res.body.data.rescanPlugins.changed).toEqual([]);
      expect([...res.body.data.rescanPlugins.retrying].sort()).toEqual([
        expect.stringMatching(/^notifier\/first: .*sandbox closed/),
        expect.stringMatching(/^notifier\/second: .*sandbox closed/),
      ]);
      const after = await rows(other);
      expect(after.has('notifier/second')).toBe(false);
      expect(after.get('notifier/first')).toMatchObject({ valid: true });
    } finally {
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scanning does no I/O: a script that calls http.request while inspected reaches nothing', async () => {
    const target = await HttpTarget.start();
    const url = target.url('/scan-time');
    const dir = writeScripts({
      'notifier/calls_home.js': VALID().replace(
        'function config_schema() { return { type: "object", properties: {} }; }',
        `async function config_schema() { await http.request({ url: ${JSON.stringify(url)} }); return { type: "object" }; }`,
      ),
    });
    const other = await startTestApp({ PLUGINS_DIR: dir, PLUGIN_HTTP_ALLOW: target.hostPort });
    try {
      const row = (await rows(other)).get('notifier/calls_home');
      expect(row).toMatchObject({ valid: false, invalidReason: expect.stringMatching(/not available while a script is being inspected/) });
      expect(target.requests).toHaveLength(0);
    } finally {
      await other.close();
      await target.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
