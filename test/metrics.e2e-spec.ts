import { randomBytes } from 'node:crypto';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import pg from 'pg';
import { Public } from '../src/common/auth/access.decorator.js';
import { EventBus } from '../src/modules/events/event-bus.service.js';
import { HttpTarget } from './support/fake-servers/http-target.js';
import { appDatabase, type AppDatabase } from './support/app-database.js';
import { GrpcTestClient } from './support/grpc-client.js';
import { graphql, http } from './support/http-client.js';
import { Scrape } from './support/prometheus-text.js';
import { describeOnServer, testDatabaseServer } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const METRICS_TOKEN = 'scrape-me-0123456789abcdef';

/** A route with a path parameter: its calls must be counted under the pattern, not the raw path. */
@ApiExcludeController()
@Controller('__metrics_probe')
class ItemProbeController {
  @Public()
  @Get('items/:id')
  item(@Param('id') id: string): { id: string } {
    return { id };
  }
}

@Module({ controllers: [ItemProbeController] })
class ItemProbeModule {}

async function scrape(app: TestApp, token?: string): Promise<Scrape> {
  const res = await http<string>(app.httpUrl, 'GET', '/metrics', { token });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return new Scrape(res.body);
}

/**
 * GET /metrics on the real app: after an order_paid reaches a webhook notifier, the delivery, plugin,
 * outbox and transport metrics have moved; METRICS_TOKEN protects the endpoint; the worker role
 * serves it too; each app instance counts only its own work.
 */
describe('metrics', () => {
  let app: TestApp;
  let client: GrpcTestClient;
  let target: HttpTarget;
  let db: AppDatabase;

  beforeAll(async () => {
    target = await HttpTarget.start();
    target.on('POST', '/hook', { status: 204 });
    app = await startTestApp(
      { PLUGIN_HTTP_ALLOW: target.hostPort, DELIVERY_POLL_MS: '200', OUTBOX_POLL_MS: '200' },
      { imports: [ItemProbeModule] },
    );
    client = new GrpcTestClient(app.grpcAddress);
    db = appDatabase(app);
  });
  afterAll(async () => {
    client?.close();
    await app?.close();
    await target?.close();
  });

  it('after a delivery to a webhook, counts the attempt, the sent record, the plugin call and the calls of every transport', async () => {
    const plugins = await graphql(app.httpUrl, '{ plugins { id pluginType pluginId } }', {}, app.tokens.admin);
    const webhook = (plugins.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]).find((p) => p.pluginType === 'notifier' && p.pluginId === 'webhook')!;
    const created = await client.call(
      'IntegrationService',
      'CreatePluginInterface',
      { plugin_def_id: webhook.id, display_name: 'Metrics webhook', config_json: JSON.stringify({ url: target.url('/hook'), secret: SECRET }) },
      app.tokens.admin,
    );
    expect(created.error).toBeUndefined();
    // One failure per transport, and a route with a parameter.
    expect((await client.call('IntegrationService', 'ListPlugins', {}, null)).error?.message).toMatch(/auth\.missing_token/);
    expect((await graphql(app.httpUrl, '{ plugins { id } }')).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await http(app.httpUrl, 'GET', '/no/such/route')).status).toBe(404);
    const probe = { undocumented: 'a probe route this test mounts, outside the API' };
    expect((await http(app.httpUrl, 'GET', '/__metrics_probe/items/a1', probe)).status).toBe(200);
    expect((await http(app.httpUrl, 'GET', '/__metrics_probe/items/b2', probe)).status).toBe(200);

    const bus = app.running.app.get(EventBus);
    const { eventId } = await bus.publish({
      eventType: 'order_paid',
      data: { order_id: 'o1', customer_email: 'a@example.test', amount: '1.00', currency: 'USD' },
    });
    await waitFor(async () => target.requests.find((r) => r.method === 'POST'));
    // The attempt is counted once its outcome is stored; the record counts come from the table.
    await waitFor(async () => {
      const { rows } = await db.query<{ status: string }>(`SELECT status FROM notification_records WHERE event_id = $1 AND channel_type = 'webhook'`, [eventId]);
      return rows[0]?.status === 'sent';
    });

    // The new interface's first health check announces plugin.health_changed through the outbox
    // whenever the sweep gets to it: the outbox gauges are read once that, too, is planned.
    await waitFor(async () => {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE status <> 'processed'`);
      return rows[0].n === 0;
    });

    const metrics = await scrape(app);
    expect(metrics.value('switchboard_delivery_attempts_total', { outcome: 'success', plugin: 'webhook' })).toBeGreaterThanOrEqual(1);
    expect(metrics.value('switchboard_delivery_attempt_duration_seconds_count', { channel_type: 'webhook' })).toBeGreaterThanOrEqual(1);
    expect(metrics.value('switchboard_notification_records', { status: 'sent', channel_type: 'webhook' })).toBeGreaterThanOrEqual(1);
    // Every status of a channel type seen is reported, 0 when empty.
    expect(metrics.value('switchboard_notification_records', { status: 'dead', channel_type: 'webhook' })).toBe(0);
    expect(metrics.value('switchboard_notification_records_due')).toBe(0);
    expect(
      metrics.value('switchboard_plugin_call_duration_seconds_count', { plugin_type: 'notifier', plugin: 'webhook', function: 'send', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    // Saving the interface ran config_schema() (or health_check()) too: plugin calls are not only sends.
    expect(metrics.find('switchboard_plugin_call_duration_seconds_count', { plugin: 'webhook' }).length).toBeGreaterThanOrEqual(1);

    expect(metrics.value('switchboard_outbox_pending_events')).toBe(0);
    expect(metrics.value('switchboard_outbox_lag_seconds')).toBe(0);
    expect(metrics.value('switchboard_outbox_dead_events')).toBe(0);
    expect(metrics.value('switchboard_metrics_collector_up', { collector: 'outbox' })).toBe(1);
    expect(metrics.value('switchboard_metrics_collector_up', { collector: 'notification_records' })).toBe(1);

    const calls = (transport: string, method: string, status: string) => metrics.value('switchboard_calls_total', { transport, method, status });
    expect(calls('grpc', '/rustbill.integration.IntegrationService/CreatePluginInterface', 'OK')).toBe(1);
    expect(calls('grpc', '/rustbill.integration.IntegrationService/ListPlugins', 'UNAUTHENTICATED')).toBe(1);
    expect(calls('graphql', 'query plugins', 'OK')).toBe(1);
    expect(calls('graphql', 'query plugins', 'UNAUTHENTICATED')).toBe(1);
    expect(calls('http', 'unmatched', '404')).toBe(1);
    expect(calls('http', 'GET /__metrics_probe/items/:id', '200')).toBe(2);
    expect(metrics.find('switchboard_calls_total', { transport: 'http', method: 'GET /__metrics_probe/items/a1' })).toEqual([]);
    expect(metrics.value('switchboard_call_duration_seconds_count', { transport: 'grpc', method: '/rustbill.integration.IntegrationService/CreatePluginInterface' })).toBe(1);
    expect(metrics.value('switchboard_call_duration_seconds_bucket', { transport: 'http', method: 'GET /__metrics_probe/items/:id', le: '+Inf' })).toBe(2);

    // Node's default process metrics are on the same registry.
    expect(metrics.declares('process_cpu_user_seconds_total')).toBe(true);
    expect(metrics.declares('nodejs_eventloop_lag_seconds')).toBe(true);

    // The scrape itself was counted, once it completed.
    const again = await scrape(app);
    expect(again.value('switchboard_calls_total', { transport: 'http', method: 'GET /metrics', status: '200' })).toBeGreaterThanOrEqual(1);
  });
});

// Cutting the app off its database needs a server (PGlite is the app's own session).
await describeOnServer('metrics while the database is unreachable', () => {
  let app: TestApp;
  let admin: pg.Client;

  beforeAll(async () => {
    app = await startTestApp();
    admin = new pg.Client({ connectionString: (await testDatabaseServer())! });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await app?.close();
  });

  it('a scrape still answers: the database gauges are left out, the collectors read 0, and they come back with the database', async () => {
    expect((await scrape(app)).value('switchboard_metrics_collector_up', { collector: 'outbox' })).toBe(1);
    const dbName = new URL(app.databaseUrl).pathname.slice(1);
    // New connections are refused and the pool's open ones are cut, until connections are allowed again.
    await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS false`);
    try {
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [dbName]);
      const metrics = await scrape(app);
      expect(metrics.value('switchboard_metrics_collector_up', { collector: 'outbox' })).toBe(0);
      expect(metrics.value('switchboard_metrics_collector_up', { collector: 'notification_records' })).toBe(0);
      expect(metrics.declares('switchboard_outbox_pending_events')).toBe(true);
      expect(metrics.value('switchboard_outbox_pending_events')).toBeUndefined();
      expect(metrics.find('switchboard_notification_records')).toEqual([]);
      expect(metrics.value('switchboard_notification_records_due')).toBeUndefined();
      // What the process counts itself is still reported.
      expect(metrics.value('switchboard_calls_total', { transport: 'http', method: 'GET /metrics', status: '200' })).toBeGreaterThanOrEqual(1);
    } finally {
      await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`);
    }
    const recovered = await waitFor(async () => {
      const metrics = await scrape(app);
      return metrics.value('switchboard_metrics_collector_up', { collector: 'outbox' }) === 1 && metrics;
    });
    expect(recovered.value('switchboard_outbox_pending_events')).toBe(0);
    expect(recovered.value('switchboard_notification_records_due')).toBe(0);
  });
});

describe('metrics in the worker role, with METRICS_TOKEN', () => {
  let worker: TestApp;

  beforeAll(async () => {
    worker = await startTestApp({ SWITCHBOARD_ROLE: 'worker', METRICS_TOKEN });
  });
  afterAll(async () => {
    await worker?.close();
  });

  it('refuses a scrape without the token, with a wrong one, or with a JWT, in the error envelope', async () => {
    const missing = await http(worker.httpUrl, 'GET', '/metrics');
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      error: { code: 'auth.missing_token', message: expect.any(String), details: null },
      meta: { trace_id: missing.headers.get('x-trace-id'), timestamp: expect.any(String) },
    });
    for (const token of [`${METRICS_TOKEN}x`, 'not-the-token-0123456789', worker.tokens.admin]) {
      const wrong = await http(worker.httpUrl, 'GET', '/metrics', { token });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe('auth.invalid_token');
    }
  });

  it('serves the metrics with the token, and counts only its own app instance', async () => {
    const metrics = await scrape(worker, METRICS_TOKEN);
    expect(metrics.value('switchboard_outbox_pending_events')).toBe(0);
    expect(metrics.value('switchboard_notification_records_due')).toBe(0);
    expect(metrics.declares('switchboard_delivery_attempts_total')).toBe(true);
    // Another app ran in this process (the suite above); its counts are not in this registry.
    expect(metrics.find('switchboard_delivery_attempts_total')).toEqual([]);
    expect(metrics.find('switchboard_calls_total', { transport: 'grpc' })).toEqual([]);
    expect(metrics.value('switchboard_calls_total', { transport: 'http', method: 'GET /metrics', status: '401' })).toBe(4);
    expect((await http(worker.httpUrl, 'GET', '/health')).status).toBe(200);
    expect((await http(worker.httpUrl, 'GET', '/ready')).status).toBe(200);
  });
});
