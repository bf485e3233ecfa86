import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessEmitter } from '../../src/common/in-process-events.js';
import type { PluginHealthChangedEvent } from '../../src/modules/integration/integration.events.js';
import { appDatabase, type AppDatabase } from '../support/app-database.js';
import { HttpTarget } from '../support/fake-servers/http-target.js';
import { GrpcTestClient } from '../support/grpc-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const SCRIPTS: Record<string, string> = {
  'gateway/probe.js': `
function config_schema() {
  return { type: "object", required: ["api_url", "key"], properties: { api_url: { type: "string" }, key: { type: "string", writeOnly: true } } };
}
async function health_check(config) {
  const res = await http.request({ method: "GET", url: config.api_url + "/health" });
  return res.status === 200 ? { healthy: true } : { healthy: false, error: "HTTP " + res.status };
}
function create_payment() { return { instructions: "pay" }; }
function verify_callback() { return { valid: false }; }
`,
};

/**
 * A real fault in the outbox write of a health change: a trigger on outbox_events that refuses the
 * first plugin.health_changed row inserted after it is armed (a sequence counts the attempts, since
 * a rolled-back transaction keeps its nextval). Neither the new state nor the event may be stored
 * then; the next check stores both, once.
 *
 * DATABASE_LISTEN=false and a poll far beyond the test (as on the embedded database, which has no
 * LISTEN): the outbox row is delivered promptly only if the health service wakes the relay itself
 * after its transaction commits.
 */
describe('plugin health: the state change and its plugin.health_changed event commit together', () => {
  let app: TestApp;
  let db: AppDatabase;
  let client: GrpcTestClient;
  let target: HttpTarget;
  let dir: string;
  let id: string;
  const events: PluginHealthChangedEvent[] = [];

  const stored = async () =>
    (await db.query<{ is_healthy: boolean; health_error: string | null; last_check_at: Date | null }>('SELECT is_healthy, health_error, last_check_at FROM plugin_interfaces WHERE id = $1', [id]))
      .rows[0];
  const outboxRows = async () =>
    (
      await db.query<{ event_id: string; status: string; data: { is_healthy: boolean; error: string | null } }>(
        `SELECT event_id, status, data FROM outbox_events WHERE event_type = 'plugin.health_changed' AND data->>'interface_id' = $1 ORDER BY occurred_at`,
        [id],
      )
    ).rows;
  const check = (interfaceId: string) => client.call<any>('IntegrationService', 'CheckPluginHealth', { interface_id: interfaceId }, app.tokens.admin);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-health-outbox-'));
    for (const [file, source] of Object.entries(SCRIPTS)) {
      mkdirSync(join(dir, file.split('/')[0]), { recursive: true });
      writeFileSync(join(dir, file), source);
    }
    target = await HttpTarget.start();
    target.on('GET', '/health', { status: 200 });
    app = await startTestApp({ PLUGINS_DIR: dir, PLUGIN_HTTP_ALLOW: target.hostPort, DATABASE_LISTEN: 'false', OUTBOX_POLL_MS: '600000' });
    db = appDatabase(app);
    client = new GrpcTestClient(app.grpcAddress);
    app.running.app.get(InProcessEmitter).on('plugin.health_changed', (e) => events.push(e));
    const plugins = (await client.call<any>('IntegrationService', 'ListPlugins', {}, app.tokens.admin)).response!.plugins as any[];
    const created = await client.call<any>(
      'IntegrationService',
      'CreatePluginInterface',
      {
        plugin_def_id: plugins.find((p) => p.plugin_id === 'probe').id as string,
        display_name: 'watched',
        config_json: JSON.stringify({ api_url: target.url('/').replace(/\/$/, ''), key: 'secret-of-watched-0123456789' }),
      },
      app.tokens.admin,
    );
    id = created.response!.interface.id as string;
    // The background check of a new interface is a change (first check): state and event together.
    await waitFor(async () => (await stored()).last_check_at !== null);
    await db.query('CREATE SEQUENCE health_fault_attempts');
    await db.query(`CREATE FUNCTION health_fault_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('health_fault_attempts') = 1 THEN RAISE EXCEPTION 'injected fault: outbox refuses this plugin.health_changed row'; END IF;
        RETURN NEW;
      END $$`);
  });
  afterAll(async () => {
    client?.close();
    await app?.close();
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the first check of a new interface with its event, and the relay takes the event without waiting for its poll', async () => {
    expect(await stored()).toMatchObject({ is_healthy: true, health_error: null });
    const rows = await outboxRows();
    expect(rows).toHaveLength(1);
    expect(rows[0].data).toMatchObject({ is_healthy: true, error: null });
    await waitFor(async () => (await outboxRows())[0].status === 'processed');
  });

  it('stores neither the state nor the event when the outbox insert fails; the next check stores both, once', async () => {
    const before = await stored();
    events.length = 0;
    await db.query(
      `CREATE TRIGGER health_fault_once BEFORE INSERT ON outbox_events FOR EACH ROW WHEN (NEW.event_type = 'plugin.health_changed') EXECUTE FUNCTION health_fault_once()`,
    );
    target.on('GET', '/health', { status: 503 });

    const failed = await check(id);
    expect(failed.error).toBeDefined();
    // The transaction rolled back: the interface is as it was, no event for the change, nothing announced.
    expect(await stored()).toEqual(before);
    expect((await outboxRows()).filter((r) => !r.data.is_healthy)).toEqual([]);
    expect(events).toEqual([]);

    // The fault fired once (the trigger stays): the next check sees the change again and stores both.
    const down = await check(id);
    expect(down.error).toBeUndefined();
    expect(down.response).toMatchObject({ is_healthy: false, error: 'HTTP 503' });
    const checkedAt = down.response.checked_at as string;
    expect(await stored()).toEqual({ is_healthy: false, health_error: 'HTTP 503', last_check_at: new Date(checkedAt) });
    const unhealthy = (await outboxRows()).filter((r) => !r.data.is_healthy);
    expect(unhealthy).toHaveLength(1);
    expect(unhealthy[0]).toMatchObject({ event_id: `plugin.health_changed:${id}:${checkedAt}`, data: { is_healthy: false, error: 'HTTP 503' } });
    expect(events.map((e) => [e.interfaceId, e.isHealthy])).toEqual([[id, false]]);
    // Woken after commit by the health service itself: no NOTIFY here, and the poll is ten minutes away.
    await waitFor(async () => (await outboxRows()).find((r) => r.event_id === unhealthy[0].event_id)?.status === 'processed');

    // No change, no event: the failed attempt left nothing behind to announce twice.
    expect((await check(id)).response).toMatchObject({ is_healthy: false });
    expect((await outboxRows()).filter((r) => !r.data.is_healthy)).toHaveLength(1);
    expect(events).toHaveLength(1);
    const [{ attempts }] = (await db.query<{ attempts: string }>('SELECT last_value AS attempts FROM health_fault_attempts')).rows;
    expect(Number(attempts)).toBe(2);
    await db.query('DROP TRIGGER health_fault_once ON outbox_events');
  });
});
