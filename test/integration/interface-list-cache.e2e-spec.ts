import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PluginInterfaceRepository } from '../../src/modules/integration/plugin-interface.repository.js';
import { GrpcTestClient } from '../support/grpc-client.js';
import { graphql } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { describeOnServer, freshTestDatabase } from '../support/test-database.js';

const SECRET = 'sk-live-list-cache-2f7d9b1c';
const MASK = '********';

const PROBE = `
function version() { return "1.2.3"; }
function config_schema() {
  return { type: "object", required: ["key"], properties: { key: { type: "string", writeOnly: true }, mode: { type: "string" } } };
}
function health_check(config) { return config.mode === "down" ? { healthy: false, error: "probe is down" } : { healthy: true }; }
function create_payment() { return { instructions: "pay" }; }
function verify_callback() { return { valid: false }; }
`;

interface Info {
  id: string;
  display_name: string;
  enabled: boolean;
  config_json: string;
  is_healthy: boolean;
  health_error?: string;
  last_check_at?: string;
}

/**
 * The list read path caches listings per table version (PluginInterfaceRepository,
 * RowVersionCache). What it must never do is answer from the cache after a write it did not see:
 * another replica's update, toggle, health check, delete or create, or a write made straight in
 * the database, shows in this replica's very next ListPluginInterfaces. Two replicas on one
 * database need a server: PGlite is a single session.
 */
await describeOnServer('ListPluginInterfaces across replicas: the list cache is never stale', () => {
  let dir: string;
  let database: Awaited<ReturnType<typeof freshTestDatabase>>;
  let a: TestApp;
  let b: TestApp;
  let clientA: GrpcTestClient;
  let clientB: GrpcTestClient;
  let defId: string;

  const ok = async <T = any>(client: GrpcTestClient, app: TestApp, method: string, request: unknown): Promise<T> => {
    const result = await client.call<T>('IntegrationService', method, request, app.tokens.admin);
    if (result.error) throw new Error(`${method} failed: ${result.error.message}`);
    return result.response as T;
  };
  /**
   * Replica A's list. Each test lists before it writes, so A's cache holds the listing the write
   * must invalidate. (Creates and config changes also start a background health check, a later
   * write of its own: the assertions only look at what the acknowledged write changed.)
   */
  const listOnA = async (): Promise<Info[]> => (await ok<{ interfaces: Info[] }>(clientA, a, 'ListPluginInterfaces', {})).interfaces;
  const create = (name: string, config: Record<string, unknown> = { key: SECRET }) =>
    ok<{ interface: Info }>(clientB, b, 'CreatePluginInterface', { plugin_def_id: defId, display_name: name, config_json: JSON.stringify(config) }).then((r) => r.interface);
  const sql = async (text: string, values: unknown[]) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(text, values);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-list-cache-'));
    mkdirSync(join(dir, 'gateway'));
    writeFileSync(join(dir, 'gateway', 'probe.js'), PROBE);
    database = await freshTestDatabase();
    // No sweep while the test runs: it would write rows behind the test's back.
    [a, b] = await Promise.all([1, 2].map(() => startTestApp({ PLUGINS_DIR: dir, HEALTH_CHECK_CRON: '0 0 1 1 *' }, { database })));
    clientA = new GrpcTestClient(a.grpcAddress);
    clientB = new GrpcTestClient(b.grpcAddress);
    const res = await graphql(a.httpUrl, '{ plugins { id pluginId } }', {}, a.tokens.admin);
    defId = (res.body.data.plugins as { id: string; pluginId: string }[]).find((p) => p.pluginId === 'probe')!.id;
  });
  afterAll(async () => {
    clientA?.close();
    clientB?.close();
    await Promise.all([a, b].filter(Boolean).map((app) => app.close()));
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves an unchanged listing from the cache (same frozen rows), secrets masked', async () => {
    const created = await Promise.all(['alpha', 'bravo', 'charlie'].map((name) => create(name)));
    // The background health check of each new interface writes its row: wait until all are recorded.
    for (const info of created) {
      for (let i = 0; i < 100 && (await ok<{ interface: Info }>(clientA, a, 'GetPluginInterface', { interface_id: info.id })).interface.last_check_at === undefined; i += 1) {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const listed = await listOnA();
    expect(await listOnA()).toEqual(listed);
    expect(listed.map((i) => i.display_name)).toEqual(['alpha', 'bravo', 'charlie']);
    expect(listed.every((i) => JSON.parse(i.config_json).key === MASK)).toBe(true);
    const repository = a.running.app.get(PluginInterfaceRepository);
    const [first, second] = [await repository.list(), await repository.list()];
    expect(second).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first[0]) && Object.isFrozen(first[0].config)).toBe(true);
  });

  it('answers what GetPluginInterface answers, row for row', async () => {
    const listed = await listOnA();
    for (const info of listed) {
      expect((await ok<{ interface: Info }>(clientA, a, 'GetPluginInterface', { interface_id: info.id })).interface).toEqual(info);
    }
  });

  it("shows another replica's update (name, config, order) on the next call", async () => {
    const bravo = (await listOnA()).find((i) => i.display_name === 'bravo')!;
    await ok(clientB, b, 'UpdatePluginInterface', { interface_id: bravo.id, display_name: 'zulu', config_json: JSON.stringify({ key: MASK, mode: 'test' }) });
    const listed = await listOnA();
    expect(listed.map((i) => i.display_name)).toEqual(['alpha', 'charlie', 'zulu']);
    expect(JSON.parse(listed[2].config_json)).toEqual({ key: MASK, mode: 'test' });
  });

  it("shows another replica's toggle, also in ListGateways (enabled interfaces only)", async () => {
    const alpha = (await listOnA()).find((i) => i.display_name === 'alpha')!;
    const gateways = async () => (await ok<{ gateways: { gateway_id: string }[] }>(clientA, a, 'ListGateways', {})).gateways.map((g) => g.gateway_id);
    expect(await gateways()).toContain(alpha.id);
    await ok(clientB, b, 'TogglePluginInterface', { interface_id: alpha.id, enable: false });
    expect((await listOnA()).find((i) => i.id === alpha.id)?.enabled).toBe(false);
    expect(await gateways()).not.toContain(alpha.id);
    await ok(clientB, b, 'TogglePluginInterface', { interface_id: alpha.id, enable: true });
    expect(await gateways()).toContain(alpha.id);
  });

  it("shows another replica's health check (a write that keeps updated_at)", async () => {
    const charlie = (await listOnA()).find((i) => i.display_name === 'charlie')!;
    await sql('UPDATE plugin_interfaces SET config = $2 WHERE id = $1', [charlie.id, { key: SECRET, mode: 'down' }]);
    expect(JSON.parse((await listOnA()).find((i) => i.id === charlie.id)!.config_json)).toEqual({ key: MASK, mode: 'down' });
    const report = await ok<{ is_healthy: boolean; checked_at: string }>(clientB, b, 'CheckPluginHealth', { interface_id: charlie.id });
    expect(report.is_healthy).toBe(false);
    const after = (await listOnA()).find((i) => i.id === charlie.id)!;
    expect(after).toMatchObject({ is_healthy: false, health_error: 'probe is down', last_check_at: report.checked_at });
  });

  it('shows a write made straight in the database, with no service involved', async () => {
    const charlie = (await listOnA()).find((i) => i.display_name === 'charlie')!;
    await sql('UPDATE plugin_interfaces SET display_name = $2 WHERE id = $1', [charlie.id, 'aardvark']);
    expect((await listOnA()).map((i) => i.display_name)).toEqual(['aardvark', 'alpha', 'zulu']);
  });

  it("shows another replica's delete and create", async () => {
    const zulu = (await listOnA()).find((i) => i.display_name === 'zulu')!;
    await ok(clientB, b, 'DeletePluginInterface', { interface_id: zulu.id });
    expect((await listOnA()).map((i) => i.display_name)).toEqual(['aardvark', 'alpha']);
    const created = await create('bravo-2');
    const listed = await listOnA();
    expect(listed.map((i) => i.display_name)).toEqual(['aardvark', 'alpha', 'bravo-2']);
    expect(listed[2].id).toBe(created.id);
    // A delete and a create in one transaction keep the count: still seen.
    await sql(
      `WITH gone AS (DELETE FROM plugin_interfaces WHERE id = $1 RETURNING *)
       INSERT INTO plugin_interfaces SELECT $2::uuid, plugin_def_id, plugin_type, plugin_id, 'bravo-3', enabled, config, config_schema,
         plugin_version, has_admin_page, is_healthy, health_error, last_check_at, spec_template, created_at, updated_at FROM gone`,
      [created.id, '0192a123-0000-7000-8000-0000000000b3'],
    );
    expect((await listOnA()).map((i) => [i.display_name, i.id])).toEqual([
      ['aardvark', listed[0].id],
      ['alpha', listed[1].id],
      ['bravo-3', '0192a123-0000-7000-8000-0000000000b3'],
    ]);
  });

  it('filters by plugin_type from the same cache, and an unknown type is still InvalidArgument', async () => {
    expect((await ok<{ interfaces: Info[] }>(clientA, a, 'ListPluginInterfaces', { plugin_type: 'gateway' })).interfaces).toHaveLength(3);
    expect((await ok<{ interfaces: Info[] }>(clientA, a, 'ListPluginInterfaces', { plugin_type: 'notifier' })).interfaces).toEqual([]);
    const bad = await clientA.call('IntegrationService', 'ListPluginInterfaces', { plugin_type: 'nope' }, a.tokens.admin);
    expect(bad.error?.details).toMatch(/plugin_type/);
  });

  it('sees a TRUNCATE too (the last test: it empties the table)', async () => {
    expect(await listOnA()).toHaveLength(3);
    await sql('TRUNCATE plugin_interfaces', []);
    expect(await listOnA()).toEqual([]);
    expect((await ok<{ interfaces: Info[] }>(clientA, a, 'ListPluginInterfaces', { plugin_type: 'gateway' })).interfaces).toEqual([]);
  });
});
