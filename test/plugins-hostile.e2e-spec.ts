import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../src/common/errors/app-error.js';
import { PluginRuntime } from '../src/modules/plugins/plugin-runtime.service.js';
import { graphql, http } from './support/http-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Hostile plugin scripts against the running server: whatever they do, the server's own event loop
 * keeps answering. GET /health is sampled throughout and must answer each time within 100 ms.
 */
const HOSTILE = `
function config_schema() { return { type: "object" }; }
function health_check() { return { healthy: true }; }
function create_payment(config, params) {
  switch (params.how) {
    case "loop": while (true) {}
    case "quadratic": { const s = "a".repeat(200000) + "b"; let n = 0; for (let i = 0; i < 40; i++) n += s.indexOf("a".repeat(100000) + "c"); return { instructions: String(n) }; }
    case "bomb": { const a = []; while (true) a.push(new Array(1e6).fill(1)); }
    case "microtasks": { const spin = () => Promise.resolve().then(spin); spin(); return new Promise(() => {}); }
    case "deep": { const f = () => f() + 1; return f(); }
    case "spin": { const end = Date.now() + 300; while (Date.now() < end) {} return { instructions: "spun" }; }
    default: return { instructions: "ok" };
  }
}
function verify_callback() { return { valid: false }; }
`;

describe('hostile plugin scripts never hold the server', () => {
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-hostile-'));
    mkdirSync(join(dir, 'gateway'));
    writeFileSync(join(dir, 'gateway', 'hostile.js'), HOSTILE);
    // One sandbox worker: on a 2-core machine that also runs another test file, the hostile scripts
    // then burn at most one core, and what is measured is whether they hold the server's thread.
    app = await startTestApp({ PLUGINS_DIR: dir, PLUGIN_TIMEOUT_MS: '700', PLUGIN_WORKERS: '1' });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET /health answers within 100 ms at every sample while they run', async () => {
    const res = await graphql(app.httpUrl, '{ plugins { id pluginId valid } }', {}, app.tokens.admin);
    const plugin = (res.body.data.plugins as { id: string; pluginId: string; valid: boolean }[]).find((p) => p.pluginId === 'hostile')!;
    expect(plugin.valid).toBe(true);
    const runtime = app.running.app.get(PluginRuntime);

    const sample = async (samples: number[], until: () => boolean): Promise<void> => {
      while (!until()) {
        const started = performance.now();
        const answer = await http(app.httpUrl, 'GET', '/health');
        samples.push(performance.now() - started);
        expect(answer.status).toBe(200);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // The same probe with no script running: what this machine gives right now. On a quiet
    // machine the bound is 100 ms; on a saturated one (other builds, other test files) it is twice
    // the worst quiet sample, still far below a script's 300 ms spin or a 2 s builtin.
    const quiet: number[] = [];
    const quietUntil = Date.now() + 1_500;
    await sample(quiet, () => Date.now() > quietUntil);

    const samples: number[] = [];
    let running = true;
    const sampler = sample(samples, () => !running);

    // A clean record first (an adaptive tier used to move such a script onto the main thread after
    // 20 clean calls), then work within the deadline that is still long for an event loop.
    for (let i = 0; i < 25; i++) await runtime.call({ pluginDefId: plugin.id, fn: 'create_payment', config: {}, params: { how: 'fine' } });
    await expect(runtime.call({ pluginDefId: plugin.id, fn: 'create_payment', config: {}, params: { how: 'spin' } })).resolves.toEqual({ instructions: 'spun' });

    const hows = ['loop', 'quadratic', 'bomb', 'microtasks', 'deep'];
    const outcomes: string[] = [];
    for (let round = 0; round < 2; round++) {
      const settled = await Promise.allSettled(hows.map((how) => runtime.call({ pluginDefId: plugin.id, fn: 'create_payment', config: {}, params: { how } })));
      for (const s of settled) outcomes.push(s.status === 'fulfilled' ? 'ok' : s.reason instanceof AppError ? s.reason.code : String(s.reason));
    }
    // Afterwards the plugin (fresh instances, replaced workers) serves a harmless call.
    await expect(runtime.call({ pluginDefId: plugin.id, fn: 'create_payment', config: {}, params: { how: 'fine' } })).resolves.toEqual({ instructions: 'ok' });
    running = false;
    await sampler;

    // Every hostile call failed with a plugin error (a bystander on a worker that had to be killed
    // fails as sandbox_crashed).
    for (const outcome of outcomes) expect(['plugins.timeout', 'plugins.out_of_memory', 'plugins.stack_overflow', 'plugins.sandbox_crashed']).toContain(outcome);
    expect(samples.length).toBeGreaterThan(10);
    const bound = Math.max(100, 2 * Math.max(...quiet));
    expect(Math.max(...samples)).toBeLessThan(bound);
  });
});
