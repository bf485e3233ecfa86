import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { InProcessEmitter } from '../../src/common/in-process-events.js';
import type { PluginHealthChangedEvent } from '../../src/modules/integration/integration.events.js';
import { HttpTarget } from '../support/fake-servers/http-target.js';
import { GrpcTestClient } from '../support/grpc-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { describeOnServer, freshTestDatabase } from '../support/test-database.js';
import { waitFor as waitUntil } from '../support/wait-for.js';

const SCHEMA = `
function config_schema() {
  return { type: "object", required: ["api_url", "key"], properties: { api_url: { type: "string" }, key: { type: "string", writeOnly: true } } };
}
function create_payment() { return { instructions: "pay" }; }
function verify_callback() { return { valid: false }; }
`;
const SCRIPTS: Record<string, string> = {
  'gateway/probe.js': `${SCHEMA}
async function health_check(config) {
  const res = await http.request({ method: "GET", url: config.api_url + "/health" });
  return res.status === 200 ? { healthy: true } : { healthy: false, error: "HTTP " + res.status };
}`,
};

/**
 * The health cron across two replicas on one database (an `all` replica and a `worker`), ticking
 * every three seconds, against local targets that answer, fail and hang.
 */
await describeOnServer('health cron', () => {
  let database: Awaited<ReturnType<typeof freshTestDatabase>>;
  let replicas: TestApp[];
  let client: GrpcTestClient;
  let target: HttpTarget;
  let db: pg.Client;
  let dir: string;
  const events: PluginHealthChangedEvent[] = [];
  const ids: Record<string, string> = {};

  const waitFor = <T>(probe: () => Promise<T | undefined | false>) => waitUntil(probe, 20_000);
  const row = async (id: string) =>
    (await db.query<{ is_healthy: boolean; health_error: string | null; last_check_at: Date | null }>('SELECT is_healthy, health_error, last_check_at FROM plugin_interfaces WHERE id = $1', [id])).rows[0];
  const finishedSweepsSince = async (since: Date) =>
    (await db.query<{ tick_at: Date; swept_by: string; checked: number }>('SELECT tick_at, swept_by, checked FROM plugin_health_sweeps WHERE started_at > $1 AND finished_at IS NOT NULL ORDER BY tick_at', [since])).rows;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-cron-'));
    for (const [file, source] of Object.entries(SCRIPTS)) {
      mkdirSync(join(dir, file.split('/')[0]), { recursive: true });
      writeFileSync(join(dir, file), source);
    }
    target = await HttpTarget.start();
    target.on('GET', '/ok/health', { status: 200 });
    target.on('GET', '/bad/health', { status: 500 });
    // A target that accepts the connection and never answers (no CPU spent, unlike a looping script).
    target.on('GET', '/hang/health', { status: 200, delayMs: 600_000 });
    database = await freshTestDatabase();
    const env = { PLUGINS_DIR: dir, PLUGIN_HTTP_ALLOW: target.hostPort, HEALTH_CHECK_CRON: '*/3 * * * * *',
      // Generous for a loaded machine: a healthy check must never come near it; the hanging one always reaches it.
      HEALTH_CHECK_TIMEOUT_MS: '2000', PLUGIN_TIMEOUT_MS: '2000' };
    replicas = [await startTestApp({ ...env, SWITCHBOARD_ROLE: 'all' }, { database }), await startTestApp({ ...env, SWITCHBOARD_ROLE: 'worker' }, { database })];
    for (const replica of replicas) replica.running.app.get(InProcessEmitter).on('plugin.health_changed', (e) => events.push(e));
    client = new GrpcTestClient(replicas[0].grpcAddress);
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const plugins = (await client.call<any>('IntegrationService', 'ListPlugins', {}, replicas[0].tokens.admin)).response!.plugins as any[];
    const def = (id: string) => plugins.find((p) => p.plugin_id === id).id as string;
    for (const [name, plugin, url] of [['ok', 'probe', target.url('/ok')], ['bad', 'probe', target.url('/bad')], ['hang', 'probe', target.url('/hang')]] as const) {
      const created = await client.call<any>(
        'IntegrationService',
        'CreatePluginInterface',
        { plugin_def_id: def(plugin), display_name: name, config_json: JSON.stringify({ api_url: url.replace(/\/$/, ''), key: `secret-of-${name}-0123456789` }) },
        replicas[0].tokens.admin,
      );
      ids[name] = created.response!.interface.id as string;
    }
  });
  afterAll(async () => {
    client?.close();
    await db?.end();
    for (const replica of replicas ?? []) await replica.close();
    await database?.drop();
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sweeps every enabled interface and persists the state: healthy, failing, hanging', async () => {
    const since = new Date();
    const sweeps = await waitFor(async () => {
      const rows = await finishedSweepsSince(since);
      return rows.some((r) => r.checked === 3) ? rows : undefined;
    });
    expect(sweeps.length).toBeGreaterThan(0);
    expect(await row(ids.ok)).toMatchObject({ is_healthy: true, health_error: null });
    expect(await row(ids.bad)).toMatchObject({ is_healthy: false, health_error: 'HTTP 500' });
    const hang = await row(ids.hang);
    expect(hang.is_healthy).toBe(false);
    expect(hang.health_error).toMatch(/time|deadline/i);
    expect((await row(ids.ok)).last_check_at!.getTime()).toBeGreaterThan(since.getTime());
  });

  it('runs each tick once across the two replicas: one sweep row per tick, one request per sweep', async () => {
    // Let any sweep in progress finish, then count from a clean start.
    await new Promise((r) => setTimeout(r, 3_500));
    const since = new Date();
    target.requests.length = 0;
    await new Promise((r) => setTimeout(r, 12_000));
    const hits = target.requests.filter((r) => r.path === '/ok/health').length;
    const sweeps = await finishedSweepsSince(since);
    expect(sweeps.length).toBeGreaterThanOrEqual(3);
    expect(new Set(sweeps.map((s) => s.tick_at.getTime())).size).toBe(sweeps.length);
    expect(sweeps.every((s) => s.checked === 3)).toBe(true);
    // Each finished sweep asked the healthy target once; a sweep straddling either end of the window
    // may add one. Two replicas both sweeping would double the count.
    expect(hits).toBeGreaterThanOrEqual(sweeps.length);
    expect(hits).toBeLessThanOrEqual(sweeps.length + 2);
  });

  it('emits plugin.health_changed when a sweep finds a change, and only then', async () => {
    events.length = 0;
    target.on('GET', '/ok/health', { status: 503 });
    const flipped = await waitFor(async () => events.find((e) => e.interfaceId === ids.ok && !e.isHealthy));
    expect(flipped).toMatchObject({ pluginId: 'probe', displayName: 'ok', previouslyHealthy: true, error: 'HTTP 503' });
    await waitFor(async () => (await finishedSweepsSince(flipped.checkedAt)).length >= 2);
    // Later sweeps found no change: still exactly one event for it, and none for the steady ones.
    expect(events.filter((e) => e.interfaceId === ids.ok)).toHaveLength(1);
    expect(events.filter((e) => e.interfaceId === ids.bad || e.interfaceId === ids.hang)).toEqual([]);
    target.on('GET', '/ok/health', { status: 200 });
    await waitFor(async () => events.find((e) => e.interfaceId === ids.ok && e.isHealthy));
  });

  it('does not check a disabled interface', async () => {
    await client.call('IntegrationService', 'TogglePluginInterface', { interface_id: ids.bad, enable: false }, replicas[0].tokens.admin);
    await new Promise((r) => setTimeout(r, 3_500));
    target.requests.length = 0;
    const since = new Date();
    await waitFor(async () => (await finishedSweepsSince(since)).length >= 2);
    expect(target.requests.filter((r) => r.path === '/bad/health')).toEqual([]);
    expect(target.requests.filter((r) => r.path === '/ok/health').length).toBeGreaterThanOrEqual(2);
  });
});
