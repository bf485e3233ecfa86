import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { InProcessEmitter } from '../../src/common/in-process-events.js';
import type { PluginHealthChangedEvent } from '../../src/modules/integration/integration.events.js';
import { HttpTarget } from '../support/fake-servers/http-target.js';
import { describeGraphqlAuthMatrix } from '../support/auth-matrix.js';
import { errorCodeOf, GrpcTestClient, type GrpcResult } from '../support/grpc-client.js';
import { graphql, http } from '../support/http-client.js';
import { LogCapture } from '../support/log-capture.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SECRET = 'sk-live-7c1f9e2d4b8a6053';
const MASK = '********';
/** Secrets are scrubbed as values from every plugin result, so test secrets are long and distinct. */
const OTHER = 'other-secret-5d1e0c9b';

const SCHEMA = `
function config_schema() {
  return {
    type: "object",
    required: ["api_url", "key"],
    properties: {
      api_url: { type: "string", pattern: "^https?://" },
      key: { type: "string", minLength: 1, writeOnly: true },
      mode: { type: "string", enum: ["live", "test"] },
      extra: { type: "string" }
    }
  };
}
`;

const SCRIPTS: Record<string, string> = {
  'gateway/probe.js': `function version() { return "2.3.4"; }
${SCHEMA}
async function health_check(config) {
  const res = await http.request({ method: "GET", url: config.api_url.replace(/\\/+$/, "") + "/health", headers: { "x-key": config.key } });
  return res.status === 200 ? { healthy: true } : { healthy: false, error: "HTTP " + res.status };
}
function create_payment() { return { instructions: "pay" }; }
function verify_callback() { return { valid: false }; }
function admin_page(config) { return { title: "Probe admin", html: "<h1>" + config.api_url + "</h1>" }; }
let calls = 0;
function admin_count() { calls += 1; return calls; }
function admin_echo(config) { return { api_url: config.api_url, extra: config.extra || null, key: config.key }; }
`,
  'gateway/hang.js': `${SCHEMA}
function health_check() { while (true) {} }
function create_payment() { return { instructions: "pay" }; }
function verify_callback() { return { valid: false }; }
`,
  'gateway/broken.js': `function create_payment( { `,
  'notifier/quiet.js': `${SCHEMA}
function health_check() { return { healthy: true }; }
function channel() { return "webhook"; }
function supported_events() { return ["order_paid"]; }
function send() { return { outcome: "skipped" }; }
`,
  'first_party_provider/box.js': `${SCHEMA}
function health_check() { return { healthy: false, error: "box says no" }; }
function spec_template(config) {
  return { fields: [
    { key: "cpu_cores", label: "CPU", field_type: "Integer", required: true, display_order: 0, min: 1, max: 8, default_value: "1" },
    { key: "region", label: "Region", field_type: "Region", required: true, display_order: 1, options: [config.mode || "live"] }
  ] };
}
function sync_products() { return { products: [] }; }
function query_price() { return { amount: "1.00", currency: "USD", billing_cycle: "monthly" }; }
function create_instance() { return { provider_instance_id: "i-1", status: "running" }; }
function get_instance_status() { return { status: "running" }; }
`,
};

describe('IntegrationService: plugin interfaces over gRPC and GraphQL', () => {
  let app: TestApp;
  let client: GrpcTestClient;
  let target: HttpTarget;
  let dir: string;
  const logs = new LogCapture();
  const defs: Record<string, string> = {};
  const events: PluginHealthChangedEvent[] = [];

  const admin = <T = any>(method: string, request: unknown): Promise<GrpcResult<T>> => client.call<T>('IntegrationService', method, request, app.tokens.admin);
  const ok = async <T = any>(method: string, request: unknown): Promise<T> => {
    const result = await admin<T>(method, request);
    if (result.error) throw new Error(`${method} failed: ${result.error.message}`);
    return result.response as T;
  };
  const create = (display_name: string, config: Record<string, unknown> = { api_url: target.url('/'), key: SECRET }, plugin = 'gateway/probe') =>
    admin('CreatePluginInterface', { plugin_def_id: defs[plugin], display_name, config_json: JSON.stringify(config) });
  const waitFor = async <T>(probe: () => Promise<T | undefined | false>, ms = 8_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const expectError = (result: GrpcResult, code: grpc.status, errorCode: string, detail?: RegExp) => {
    expect(result.error?.code).toBe(code);
    expect(errorCodeOf(result.error)).toBe(errorCode);
    if (detail) expect(result.error?.details).toMatch(detail);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-integration-'));
    for (const [file, source] of Object.entries(SCRIPTS)) {
      mkdirSync(join(dir, file.split('/')[0]), { recursive: true });
      writeFileSync(join(dir, file), source);
    }
    target = await HttpTarget.start();
    target.on('GET', '/health', { status: 200, body: { ok: true } });
    app = await startTestApp({ PLUGINS_DIR: dir, PLUGIN_HTTP_ALLOW: target.hostPort, PLUGIN_TIMEOUT_MS: '500', PLUGIN_WORKERS: '1', LOG_LEVEL: 'debug' }, { logs });
    client = new GrpcTestClient(app.grpcAddress);
    app.running.app.get(InProcessEmitter).on('plugin.health_changed', (e) => events.push(e));
    const all = await graphql(app.httpUrl, '{ plugins { id pluginType pluginId } }', {}, app.tokens.admin);
    for (const p of all.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]) defs[`${p.pluginType}/${p.pluginId}`] = p.id;
  });
  afterAll(async () => {
    client?.close();
    await app?.close();
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('CreatePluginInterface', () => {
    it('creates from the seed request body: enabled, secrets masked, schema and version copied, UUID v7, RFC3339', async () => {
      const { response, error } = await admin('CreatePluginInterface', {
        plugin_def_id: defs['gateway/probe'],
        display_name: '易支付-生产',
        config_json: JSON.stringify({ api_url: target.url('/'), key: SECRET }),
      });
      expect(error).toBeUndefined();
      const info = response!.interface;
      expect(info.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(info).toMatchObject({ plugin_def_id: defs['gateway/probe'], plugin_type: 'gateway', plugin_id: 'probe', display_name: '易支付-生产', enabled: true, has_admin_page: true, plugin_version: '2.3.4' });
      expect(JSON.parse(info.config_json)).toEqual({ api_url: target.url('/'), key: MASK });
      expect(JSON.parse(info.config_schema).required).toEqual(['api_url', 'key']);
      expect(new Date(info.created_at).toISOString()).toBe(info.created_at);
      expect(info.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });

    it('health-checks a new interface once in the background, with its stored secret', async () => {
      target.on('GET', '/bg/health', { status: 200 });
      const { response } = await create('background-check', { api_url: target.url('/bg'), key: SECRET });
      const id = response!.interface.id as string;
      const checked = await waitFor(async () => {
        const got = (await ok('GetPluginInterface', { interface_id: id })).interface;
        return got.last_check_at ? got : undefined;
      });
      expect(checked.is_healthy).toBe(true);
      expect(checked.health_error).toBeUndefined();
      expect(target.requests.filter((r) => r.path === '/bg/health').map((r) => r.headers['x-key'])).toEqual([SECRET]);
      expect(events.some((e) => e.interfaceId === id && e.isHealthy)).toBe(true);
    });

    it('answers AlreadyExists for a duplicate display_name under the same plugin, and allows it under another', async () => {
      expect((await create('dup-name')).error).toBeUndefined();
      expectError(await create('dup-name'), grpc.status.ALREADY_EXISTS, 'integration.display_name_taken', /display_name|dup-name/);
      expect((await create('dup-name', { api_url: target.url('/'), key: SECRET }, 'notifier/quiet')).error).toBeUndefined();
    });

    it('lets exactly one of eight racing creates with one name win; the others get AlreadyExists, never Internal', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => create('raced')));
      expect(results.filter((r) => !r.error)).toHaveLength(1);
      for (const r of results.filter((r) => r.error)) expectError(r, grpc.status.ALREADY_EXISTS, 'integration.display_name_taken');
    });

    it('answers NotFound for an unknown plugin and for an invalid one', async () => {
      const unknown = await admin('CreatePluginInterface', { plugin_def_id: '0192a123-0000-7000-8000-000000000000', display_name: 'x', config_json: '{}' });
      expectError(unknown, grpc.status.NOT_FOUND, 'plugins.plugin_not_found');
      expect(defs['gateway/broken']).toBeDefined();
      expectError(await create('from-broken', { api_url: 'http://x', key: OTHER }, 'gateway/broken'), grpc.status.NOT_FOUND, 'plugins.plugin_not_found', /invalid/);
    });

    it.each([
      ['an invalid UUID', { plugin_def_id: 'not-a-uuid' }, /plugin_def_id: must be a UUID/],
      ['config_json that is not JSON', { config_json: '{"api_url":' }, /config_json: is not valid JSON/],
      ['config_json that is not an object', { config_json: '["a"]' }, /config_json: must be a JSON object/],
      ['config_json that violates the schema (missing key)', { config_json: '{"api_url":"https://pay.example.com"}' }, /config_json.*key/],
      ['config_json that violates the schema (wrong enum)', { config_json: `{"api_url":"https://p.example","key":"other-secret-5d1e0c9b","mode":"nope"}` }, /config_json\/mode|config_json\.mode|mode/],
      ['an empty display_name', { display_name: '   ' }, /display_name: must not be empty/],
      ['a 1,000-character display_name', { display_name: 'n'.repeat(1000) }, /display_name: must be at most 200 characters/],
    ])('answers InvalidArgument for %s, writing nothing', async (_what, override, detail) => {
      const before = (await ok('ListPluginInterfaces', {})).interfaces.length;
      const result = await admin('CreatePluginInterface', {
        plugin_def_id: defs['gateway/probe'],
        display_name: 'bad-input',
        config_json: JSON.stringify({ api_url: 'https://pay.example.com', key: 'xxx' }),
        ...override,
      });
      expect(result.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(result.error?.details).toMatch(detail);
      expect((await ok('ListPluginInterfaces', {})).interfaces.length).toBe(before);
    });

    it('refuses an oversized config naming config_json, and a 5 MB one at the transport; the server stays healthy', async () => {
      const big = JSON.stringify({ api_url: 'https://pay.example.com', key: OTHER, extra: 'x'.repeat(100_000) });
      expectError(await create('big', JSON.parse(big) as Record<string, unknown>), grpc.status.RESOURCE_EXHAUSTED, 'common.payload_too_large', /config_json: is \d+ bytes, the limit is 65536/);
      const huge = await admin('CreatePluginInterface', { plugin_def_id: defs['gateway/probe'], display_name: 'huge', config_json: 'x'.repeat(5 * 1024 * 1024) });
      expect(huge.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect((await ok('ListPluginInterfaces', {})).interfaces.some((i: any) => i.display_name === 'big' || i.display_name === 'huge')).toBe(false);
      expect((await http(app.httpUrl, 'GET', '/health')).status).toBe(200);
    });

    it('never writes the secret to the log', () => {
      expect(logs.text()).not.toContain(SECRET);
      expect(logs.lines.some((l) => l.msg === 'plugin interface created')).toBe(true);
    });
  });

  describe('Get / List / Update / Toggle / Delete', () => {
    let id: string;
    beforeAll(async () => {
      id = (await ok('CreatePluginInterface', { plugin_def_id: defs['gateway/probe'], display_name: 'crud', config_json: JSON.stringify({ api_url: target.url('/'), key: SECRET }) })).interface.id;
    });

    it('gets one interface and answers NotFound / InvalidArgument for an unknown or malformed id', async () => {
      expect((await ok('GetPluginInterface', { interface_id: id })).interface.display_name).toBe('crud');
      expectError(await admin('GetPluginInterface', { interface_id: '0192a123-0000-7000-8000-000000000000' }), grpc.status.NOT_FOUND, 'integration.interface_not_found');
      expectError(await admin('GetPluginInterface', { interface_id: '0192a123-...' }), grpc.status.INVALID_ARGUMENT, 'common.validation_failed', /interface_id: must be a UUID/);
    });

    it('lists, filtered by plugin_type as in the seed example; an unknown type is InvalidArgument', async () => {
      const gateways = (await ok('ListPluginInterfaces', { plugin_type: 'gateway' })).interfaces as any[];
      expect(gateways.length).toBeGreaterThan(0);
      expect(gateways.every((i) => i.plugin_type === 'gateway')).toBe(true);
      expect(gateways.every((i) => JSON.parse(i.config_json).key === MASK)).toBe(true);
      expect((await ok('ListPluginInterfaces', { plugin_type: 'first_party_provider' })).interfaces).toEqual([]);
      expectError(await admin('ListPluginInterfaces', { plugin_type: 'printer' }), grpc.status.INVALID_ARGUMENT, 'common.validation_failed', /plugin_type/);
    });

    it('writes one access line per gRPC call, with its trace id, operation and caller; a failed call only its failure line', async () => {
      const listed = await client.call('IntegrationService', 'ListPluginInterfaces', {}, app.tokens.admin, { 'x-trace-id': 'grpc-access-line-1' });
      expect(listed.error).toBeUndefined();
      const failed = await client.call('IntegrationService', 'ListPluginInterfaces', { plugin_type: 'printer' }, app.tokens.admin, { 'x-trace-id': 'grpc-access-line-2' });
      expect(failed.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      // Lines are written as the status goes out, before the client has it.
      expect(logs.withTraceId('grpc-access-line-1')).toEqual([
        expect.objectContaining({
          level: 'info',
          msg: 'call completed',
          transport: 'grpc',
          operation: '/rustbill.integration.IntegrationService/ListPluginInterfaces',
          caller: expect.any(String),
          duration_ms: expect.any(Number),
        }),
      ]);
      expect(logs.withTraceId('grpc-access-line-2')).toEqual([expect.objectContaining({ level: 'info', code: 'common.validation_failed', transport: 'grpc' })]);
      expect(logs.withTraceId('grpc-access-line-2')[0].msg).toMatch(/^call failed: /);
    });

    it('updates config (a masked secret sent back keeps the stored one) and display_name, and evicts the cached instance', async () => {
      expect(JSON.parse((await ok('CallPluginAction', { interface_id: id, function: 'admin_count', args_json: '{}' })).result_json)).toBe(1);
      expect(JSON.parse((await ok('CallPluginAction', { interface_id: id, function: 'admin_count', args_json: '{}' })).result_json)).toBe(2);
      const updated = (
        await ok('UpdatePluginInterface', { interface_id: id, config_json: JSON.stringify({ api_url: target.url('/'), key: MASK, mode: 'test' }), display_name: 'crud-renamed' })
      ).interface;
      expect(updated.display_name).toBe('crud-renamed');
      expect(JSON.parse(updated.config_json)).toEqual({ api_url: target.url('/'), key: MASK, mode: 'test' });
      expect(JSON.parse((await ok('CallPluginAction', { interface_id: id, function: 'admin_count', args_json: '{}' })).result_json)).toBe(1);
      target.requests.length = 0;
      expect((await ok('CheckPluginHealth', { interface_id: id })).is_healthy).toBe(true);
      expect(target.requests.map((r) => r.headers['x-key'])).toContain(SECRET);
    });

    it('rejects an update that violates the schema or takes a used name, changing nothing', async () => {
      expect((await admin('UpdatePluginInterface', { interface_id: id, config_json: '{"api_url":"ftp://x","key":"other-secret-5d1e0c9b"}' })).error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      await create('taken-name');
      expectError(await admin('UpdatePluginInterface', { interface_id: id, display_name: 'taken-name' }), grpc.status.ALREADY_EXISTS, 'integration.display_name_taken');
      const now = (await ok('GetPluginInterface', { interface_id: id })).interface;
      expect(now.display_name).toBe('crud-renamed');
      expect(JSON.parse(now.config_json).api_url).toBe(target.url('/'));
      expectError(await admin('UpdatePluginInterface', { interface_id: '0192a123-0000-7000-8000-000000000000', display_name: 'x' }), grpc.status.NOT_FOUND, 'integration.interface_not_found');
    });

    it('toggles (the seed body), hides a disabled gateway from ListGateways, and evicts', async () => {
      await ok('CallPluginAction', { interface_id: id, function: 'admin_count', args_json: '{}' });
      const off = (await ok('TogglePluginInterface', { interface_id: id, enable: false })).interface;
      expect(off.enabled).toBe(false);
      expect(((await ok('ListGateways', {})).gateways as any[]).map((g) => g.gateway_id)).not.toContain(id);
      expect((await ok('TogglePluginInterface', { interface_id: id, enable: true })).interface.enabled).toBe(true);
      expect(((await ok('ListGateways', {})).gateways as any[]).find((g) => g.gateway_id === id)).toMatchObject({ gateway_name: 'crud-renamed' });
      expect(JSON.parse((await ok('CallPluginAction', { interface_id: id, function: 'admin_count', args_json: '{}' })).result_json)).toBe(1);
    });

    it('deletes, then answers NotFound for it', async () => {
      const doomed = (await create('doomed')).response!.interface.id as string;
      expect((await admin('DeletePluginInterface', { interface_id: doomed })).response).toEqual({});
      expectError(await admin('GetPluginInterface', { interface_id: doomed }), grpc.status.NOT_FOUND, 'integration.interface_not_found');
      expectError(await admin('DeletePluginInterface', { interface_id: doomed }), grpc.status.NOT_FOUND, 'integration.interface_not_found');
    });
  });

  describe('CheckPluginHealth', () => {
    it('reports unhealthy with the reason when the target fails, then healthy again, emitting plugin.health_changed each time', async () => {
      const id = (await create('flappy')).response!.interface.id as string;
      await waitFor(async () => (await ok('GetPluginInterface', { interface_id: id })).interface.last_check_at);
      events.length = 0;
      target.on('GET', '/health', { status: 503 });
      const down = await ok('CheckPluginHealth', { interface_id: id });
      expect(down).toMatchObject({ is_healthy: false, error: 'HTTP 503' });
      expect(new Date(down.checked_at).toISOString()).toBe(down.checked_at);
      const stored = (await ok('GetPluginInterface', { interface_id: id })).interface;
      expect(stored).toMatchObject({ is_healthy: false, health_error: 'HTTP 503', last_check_at: down.checked_at });
      target.on('GET', '/health', { status: 200 });
      expect((await ok('CheckPluginHealth', { interface_id: id })).is_healthy).toBe(true);
      expect((await ok('CheckPluginHealth', { interface_id: id })).is_healthy).toBe(true);
      expect(events.filter((e) => e.interfaceId === id).map((e) => e.isHealthy)).toEqual([false, true]);
    });

    it('answers OK with is_healthy=false when health_check hangs past the plugin timeout', async () => {
      const id = (await create('hanging', { api_url: 'https://x.example', key: OTHER }, 'gateway/hang')).response!.interface.id as string;
      const background = await waitFor(async () => {
        const got = (await ok('GetPluginInterface', { interface_id: id })).interface;
        return got.last_check_at ? got : undefined;
      });
      expect(background).toMatchObject({ is_healthy: false, health_error: expect.stringMatching(/time|deadline/i) });
      const report = await ok('CheckPluginHealth', { interface_id: id });
      expect(report.is_healthy).toBe(false);
      expect(report.error).toMatch(/time|deadline/i);
    });

    it('answers NotFound for an unknown interface', async () => {
      expectError(await admin('CheckPluginHealth', { interface_id: '0192a123-0000-7000-8000-000000000000' }), grpc.status.NOT_FOUND, 'integration.interface_not_found');
    });
  });

  describe('ListProviders / ListNotifiers', () => {
    it('lists enabled providers with provider_type and the spec template, cached and refreshed on update', async () => {
      const id = (await create('box-1', { api_url: 'https://box.example', key: OTHER, mode: 'live' }, 'first_party_provider/box')).response!.interface.id as string;
      const providers = (await ok('ListProviders', {})).providers as any[];
      const box = providers.find((p) => p.interface_id === id);
      expect(box).toMatchObject({ provider_name: 'box-1', provider_type: 'first_party' });
      expect(box.spec_template.fields[0]).toEqual({ key: 'cpu_cores', label: 'CPU', field_type: 'Integer', required: true, display_order: 0, options: [], min: '1', max: '8', default_value: '1' });
      expect(box.spec_template.fields[1]).toMatchObject({ key: 'region', field_type: 'Region', options: ['live'] });
      await ok('UpdatePluginInterface', { interface_id: id, config_json: JSON.stringify({ api_url: 'https://box.example', key: MASK, mode: 'test' }) });
      const after = await waitFor(async () => {
        const p = ((await ok('ListProviders', {})).providers as any[]).find((x) => x.interface_id === id);
        return p?.spec_template.fields[1].options[0] === 'test' ? p : undefined;
      });
      expect(after.spec_template.fields[1].options).toEqual(['test']);
    });

    it('lists enabled notifiers', async () => {
      const notifiers = (await ok('ListNotifiers', {})).notifiers as any[];
      expect(notifiers.map((n) => n.channel_name)).toContain('dup-name');
      expect(Object.keys(notifiers[0]).sort()).toEqual(['channel_id', 'channel_name', 'is_healthy']);
    });
  });

  describe('GetPluginAdminPage / CallPluginAction', () => {
    let id: string;
    let quiet: string;
    beforeAll(async () => {
      id = (await create('admin-page')).response!.interface.id as string;
      quiet = (await create('no-page', { api_url: 'https://q.example', key: OTHER }, 'notifier/quiet')).response!.interface.id as string;
    });

    it('returns the admin page; FailedPrecondition when the plugin has none', async () => {
      expect(await ok('GetPluginAdminPage', { interface_id: id })).toEqual({ title: 'Probe admin', html_content: `<h1>${target.url('/')}</h1>` });
      expectError(await admin('GetPluginAdminPage', { interface_id: quiet }), grpc.status.FAILED_PRECONDITION, 'integration.no_admin_page');
    });

    it('calls an admin_* action with args merged into config; secrets stay masked in the result', async () => {
      const result = JSON.parse((await ok('CallPluginAction', { interface_id: id, function: 'admin_echo', args_json: '{"extra":"from-args"}' })).result_json);
      expect(result).toEqual({ api_url: target.url('/'), extra: 'from-args', key: MASK });
    });

    it.each(['__proto__', 'constructor', 'health_check', 'admin_missing', 'toString', 'admin_page'])('answers NotFound for the function %s', async (fn) => {
      expectError(await admin('CallPluginAction', { interface_id: id, function: fn, args_json: '{}' }), grpc.status.NOT_FOUND, 'integration.action_not_found');
    });

    it('answers InvalidArgument for args that are not JSON, or that make the merged config invalid', async () => {
      expectError(await admin('CallPluginAction', { interface_id: id, function: 'admin_echo', args_json: 'nope' }), grpc.status.INVALID_ARGUMENT, 'common.validation_failed', /args_json/);
      expect((await admin('CallPluginAction', { interface_id: id, function: 'admin_echo', args_json: '{"mode":"bogus"}' })).error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    });
  });

  describe('GraphQL admin', () => {
    const gql = (query: string, variables: Record<string, unknown> = {}, token: string | null = app.tokens.admin) => graphql(app.httpUrl, query, variables, token);
    const CREATE = 'mutation($input: CreatePluginInterfaceInput!) { createPluginInterface(input: $input) { id displayName enabled config configSchema pluginVersion } }';

    it('creates, reads, updates, toggles, checks and deletes with the same rules and error codes', async () => {
      const created = await gql(CREATE, { input: { pluginDefId: defs['gateway/probe'], displayName: 'gql-1', config: { api_url: target.url('/'), key: SECRET } } });
      expect(created.body.errors).toBeUndefined();
      const made = created.body.data.createPluginInterface;
      expect(made).toMatchObject({ displayName: 'gql-1', enabled: true, pluginVersion: '2.3.4', config: { api_url: target.url('/'), key: MASK } });
      expect(made.configSchema.required).toEqual(['api_url', 'key']);

      const dup = await gql(CREATE, { input: { pluginDefId: defs['gateway/probe'], displayName: 'gql-1', config: { api_url: target.url('/'), key: OTHER } } });
      expect(dup.body.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', errorCode: 'integration.display_name_taken' });
      const bad = await gql(CREATE, { input: { pluginDefId: defs['gateway/probe'], displayName: 'gql-2', config: [1] } });
      expect(bad.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'common.validation_failed' });

      const updated = await gql('mutation($input: UpdatePluginInterfaceInput!) { updatePluginInterface(input: $input) { displayName config } }', {
        input: { id: made.id, displayName: 'gql-1b', config: { api_url: target.url('/'), key: MASK, mode: 'live' } },
      });
      expect(updated.body.data.updatePluginInterface).toEqual({ displayName: 'gql-1b', config: { api_url: target.url('/'), key: MASK, mode: 'live' } });
      const listed = await gql('query($t: String) { pluginInterfaces(pluginType: $t) { id config } }', { t: 'gateway' });
      expect(listed.body.data.pluginInterfaces.find((i: any) => i.id === made.id).config.key).toBe(MASK);
      const health = await gql('mutation($id: ID!) { checkPluginHealth(id: $id) { isHealthy error checkedAt } }', { id: made.id });
      expect(health.body.data.checkPluginHealth).toMatchObject({ isHealthy: true, error: null });
      const toggled = await gql('mutation($id: ID!) { togglePluginInterface(id: $id, enable: false) { enabled } }', { id: made.id });
      expect(toggled.body.data.togglePluginInterface.enabled).toBe(false);
      const action = await gql('mutation($id: ID!) { callPluginAction(id: $id, function: "admin_echo", args: { extra: "e" }) }', { id: made.id });
      expect(action.body.data.callPluginAction).toEqual({ api_url: target.url('/'), extra: 'e', key: MASK });
      const page = await gql('query($id: ID!) { pluginAdminPage(id: $id) { title } }', { id: made.id });
      expect(page.body.data.pluginAdminPage.title).toBe('Probe admin');
      expect((await gql('mutation($id: ID!) { deletePluginInterface(id: $id) }', { id: made.id })).body.data.deletePluginInterface).toBe(true);
      const gone = await gql('query($id: ID!) { pluginInterface(id: $id) { id } }', { id: made.id });
      expect(gone.body.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', errorCode: 'integration.interface_not_found' });
    });

    it('checkPluginHealth names the failure healthError, as PluginInterface does; the deprecated error field says the same', async () => {
      const id = (await create('gql-flappy')).response!.interface.id as string;
      await waitFor(async () => (await ok('GetPluginInterface', { interface_id: id })).interface.last_check_at);
      target.on('GET', '/health', { status: 503 });
      try {
        const report = await gql('mutation($id: ID!) { checkPluginHealth(id: $id) { isHealthy healthError error } }', { id });
        expect(report.body).toEqual({ data: { checkPluginHealth: { isHealthy: false, healthError: 'HTTP 503', error: 'HTTP 503' } } });
        const stored = await gql('query($id: ID!) { pluginInterface(id: $id) { isHealthy healthError } }', { id });
        expect(stored.body).toEqual({ data: { pluginInterface: { isHealthy: false, healthError: 'HTTP 503' } } });
      } finally {
        target.on('GET', '/health', { status: 200 });
      }
      const fields = await gql('{ __type(name: "PluginHealth") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } } }');
      expect(fields.body.data.__type.fields).toEqual(
        expect.arrayContaining([
          { name: 'healthError', isDeprecated: false, deprecationReason: null },
          { name: 'error', isDeprecated: true, deprecationReason: expect.stringContaining('healthError') },
        ]),
      );
    });

    it('lists providers, gateways and notifiers', async () => {
      const res = await gql('{ providers { interfaceId providerType specFields { key fieldType } } gateways { id name isHealthy } notifiers { id name } }');
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.providers[0].specFields[0]).toEqual({ key: 'cpu_cores', fieldType: 'Integer' });
      expect(res.body.data.notifiers.map((n: any) => n.name)).toContain('dup-name');
    });

    describe('auth matrix: every GraphQL operation of plugin interfaces × caller', () => {
      const NONE = '0192a123-0000-7000-8000-000000000000';
      describeGraphqlAuthMatrix(
        [
          { name: 'pluginInterfaces', access: 'admin', query: '{ pluginInterfaces { id } }' },
          { name: 'pluginInterface', access: 'admin', query: `{ pluginInterface(id: "${NONE}") { id } }` },
          { name: 'providers', access: 'admin', query: '{ providers { interfaceId } }' },
          { name: 'gateways', access: 'admin', query: '{ gateways { id } }' },
          { name: 'notifiers', access: 'admin', query: '{ notifiers { id } }' },
          { name: 'pluginAdminPage', access: 'admin', query: `{ pluginAdminPage(id: "${NONE}") { title } }` },
          { name: 'createPluginInterface', access: 'admin', query: `mutation { createPluginInterface(input: { pluginDefId: "${NONE}", displayName: "m", config: {} }) { id } }` },
          { name: 'updatePluginInterface', access: 'admin', query: `mutation { updatePluginInterface(input: { id: "${NONE}", displayName: "m" }) { id } }` },
          { name: 'togglePluginInterface', access: 'admin', query: `mutation { togglePluginInterface(id: "${NONE}", enable: true) { id } }` },
          { name: 'deletePluginInterface', access: 'admin', query: `mutation { deletePluginInterface(id: "${NONE}") }` },
          { name: 'checkPluginHealth', access: 'admin', query: `mutation { checkPluginHealth(id: "${NONE}") { isHealthy } }` },
          { name: 'callPluginAction', access: 'admin', query: `mutation { callPluginAction(id: "${NONE}", function: "admin_x") }` },
        ],
        () => ({ app }),
      );
    });
  });
});
