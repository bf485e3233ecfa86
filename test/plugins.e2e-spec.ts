import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { AppError } from '../src/common/errors/app-error.js';
import { PluginRuntime } from '../src/modules/plugins/plugin-runtime.service.js';
import { describeGraphqlAuthMatrix } from './support/auth-matrix.js';
import { errorCodeOf, GrpcTestClient } from './support/grpc-client.js';
import { graphql } from './support/http-client.js';
import { LogCapture } from './support/log-capture.js';
import { waitFor } from './support/wait-for.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const COMMON = `
function config_schema() {
  return { type: "object", properties: { token: { type: "string", writeOnly: true }, url: { type: "string" } } };
}
function health_check(config, params) { return { healthy: true }; }
`;

const NOTIFIER = (version: string, prefix: string) => `
function version() { return "${version}"; }
${COMMON}
function channel() { return "webhook"; }
function supported_events() { return ["order_paid", "test"]; }
async function send(config, params) {
  log.info("sending with token " + config.token, { token_again: config.token });
  return { outcome: "success", provider_message_id: "${prefix}-" + params.notification_id };
}
`;

const SCRIPTS: Record<string, string> = {
  'notifier/echo.js': NOTIFIER('1.0.0', 'v1'),
  'notifier/looper.js': `${COMMON}
function channel() { return "chat"; }
function supported_events() { return []; }
function send(config, params) { while (true) {} }
`,
  'notifier/broken_syntax.js': `function send(config, params { return 1 }`,
  'notifier/missing.js': `${COMMON}`,
  'notifier/bad_version.js': `function version() { return 42; }
${COMMON}
function channel() { return "webhook"; }
function supported_events() { return []; }
function send() { return { outcome: "skipped" }; }
`,
  'gateway/bad_result.js': `${COMMON}
function create_payment(config, params) { return { foo: 1 }; }
function verify_callback(config, params) { return { valid: "yes" }; }
`,
  'gateway/stateful.js': `${COMMON}
let calls = 0;
function create_payment(config, params) { return { instructions: "pay" }; }
function verify_callback(config, params) { return { valid: false }; }
function admin_count(config, params) { calls += 1; return calls; }
`,
  'gateway/README.md': 'not a script',
  'junk/whatever.js': 'function x() {}',
};

describe('plugins: scanner, definitions, runtime', () => {
  let app: TestApp;
  let client: GrpcTestClient;
  let dir: string;
  const logs = new LogCapture();

  const listAll = async () =>
    (await graphql(app.httpUrl, '{ plugins { id pluginType pluginId version valid invalidReason available functions channel hasAdminPage } }', {}, app.tokens.admin))
      .body.data.plugins as any[];
  const find = async (key: string) => (await listAll()).find((p) => `${p.pluginType}/${p.pluginId}` === key);
  const runtime = () => app.running.app.get(PluginRuntime);
  const codeOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
      return 'resolved';
    } catch (err) {
      return err instanceof AppError ? `${err.code}: ${err.message}` : String(err);
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-plugins-'));
    for (const [path, source] of Object.entries(SCRIPTS)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
    // The watcher picks up changes at once; the safety poll (1 s here) catches what it misses, well
    // inside waitFor's 8 s.
    app = await startTestApp({ PLUGINS_DIR: dir, PLUGIN_TIMEOUT_MS: '500', PLUGIN_SCAN_INTERVAL_MS: '1000' }, { logs });
    client = new GrpcTestClient(app.grpcAddress);
  });
  afterAll(async () => {
    client?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ListPlugins lists the usable definitions as PluginDef', async () => {
    const { response, error } = await client.call<{ plugins: any[] }>('IntegrationService', 'ListPlugins', {}, app.tokens.admin);
    expect(error).toBeUndefined();
    expect(response!.plugins.map((p) => `${p.plugin_type}/${p.plugin_id}`)).toEqual(['gateway/bad_result', 'gateway/stateful', 'notifier/echo', 'notifier/looper']);
    const echo = response!.plugins.find((p) => p.plugin_id === 'echo');
    expect(echo).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/),
      plugin_type: 'notifier',
      plugin_id: 'echo',
      has_admin_page: false,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      version: '1.0.0',
    });
  });

  it('ListPlugins filters by plugin_type, and an unknown type is InvalidArgument naming the field', async () => {
    const gateways = await client.call<{ plugins: any[] }>('IntegrationService', 'ListPlugins', { plugin_type: 'gateway' }, app.tokens.admin);
    expect(gateways.response!.plugins.map((p) => p.plugin_id)).toEqual(['bad_result', 'stateful']);
    const bogus = await client.call('IntegrationService', 'ListPlugins', { plugin_type: 'provider' }, app.tokens.admin);
    expect(bogus.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(errorCodeOf(bogus.error)).toBe('common.validation_failed');
    expect(bogus.error?.details).toMatch(/plugin_type: must be one of first_party_provider, upstream_provider, gateway, notifier/);
  });

  it('GetPlugin: invalid UUID → InvalidArgument naming id; unknown → NotFound; invalid definitions are still readable', async () => {
    const bad = await client.call('IntegrationService', 'GetPlugin', { id: '0192a123-...' }, app.tokens.admin);
    expect(bad.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bad.error?.details).toMatch(/id: must be a UUID/);
    const missing = await client.call('IntegrationService', 'GetPlugin', { id: '0192a123-0000-7000-8000-000000000000' }, app.tokens.admin);
    expect(missing.error?.code).toBe(grpc.status.NOT_FOUND);
    expect(errorCodeOf(missing.error)).toBe('plugins.plugin_not_found');
    const invalid = await find('notifier/missing');
    const got = await client.call<{ plugin: any }>('IntegrationService', 'GetPlugin', { id: invalid.id }, app.tokens.admin);
    expect(got.response!.plugin).toMatchObject({ id: invalid.id, plugin_id: 'missing', version: '0.0.0' });
  });

  it('GraphQL shows every definition with validity, the reason, and the functions found', async () => {
    const all = await listAll();
    const byKey = Object.fromEntries(all.map((p) => [`${p.pluginType}/${p.pluginId}`, p]));
    expect(Object.keys(byKey).sort()).toEqual(['gateway/bad_result', 'gateway/stateful', 'notifier/bad_version', 'notifier/broken_syntax', 'notifier/echo', 'notifier/looper', 'notifier/missing']);
    expect(byKey['notifier/echo']).toMatchObject({ valid: true, invalidReason: null, channel: 'webhook', functions: ['channel', 'config_schema', 'health_check', 'send', 'supported_events', 'version'] });
    expect(byKey['notifier/broken_syntax']).toMatchObject({ valid: false, invalidReason: expect.stringMatching(/syntax|expecting/i) });
    expect(byKey['notifier/missing']).toMatchObject({ valid: false, invalidReason: 'missing required functions for a notifier: channel, supported_events, send' });
    expect(byKey['notifier/bad_version']).toMatchObject({ valid: false, invalidReason: 'version() must return a semantic version such as "1.2.0", got 42' });
  });

  describe('GraphQL auth', () => {
    describeGraphqlAuthMatrix(
      [
        { name: 'plugins', access: 'admin', query: '{ plugins { id } }' },
        { name: 'plugin', access: 'admin', query: 'query($id: ID!) { plugin(id: $id) { id } }', variables: { id: '0192a123-0000-7000-8000-000000000000' } },
        { name: 'rescanPlugins', access: 'admin', query: 'mutation { rescanPlugins { changed } }' },
      ],
      () => ({ app }),
    );
  });

  it('GraphQL plugin(id) maps the domain errors', async () => {
    const res = await graphql(app.httpUrl, 'query($id: ID!) { plugin(id: $id) { id } }', { id: 'nope' }, app.tokens.admin);
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'common.validation_failed' });
  });

  it('the runtime calls a plugin, validates its result, and masks the config secrets in its log lines', async () => {
    const echo = await find('notifier/echo');
    const result = await runtime().call({
      pluginDefId: echo.id,
      interfaceId: '0192a123-0000-7000-8000-0000000000aa',
      fn: 'send',
      config: { token: 'tok-very-secret-value' },
      params: { notification_id: 'n-1' },
    });
    expect(result).toEqual({ outcome: 'success', provider_message_id: 'v1-n-1' });
    const line = await waitFor(async () => logs.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('sending with token')));
    // The plugin's own fields sit under plugin_fields: it cannot forge level, time or trace_id.
    expect(line).toMatchObject({ msg: 'sending with token ********', plugin_fields: { token_again: '********' }, plugin: 'notifier/echo', fn: 'send', interface_id: '0192a123-0000-7000-8000-0000000000aa' });
    expect(logs.text()).not.toContain('tok-very-secret-value');
  });

  it('a result in the wrong shape is plugins.invalid_result naming the function and the field', async () => {
    const gateway = await find('gateway/bad_result');
    expect(await codeOf(runtime().call({ pluginDefId: gateway.id, fn: 'verify_callback', config: {} }))).toMatch(
      /^plugins\.invalid_result: .*verify_callback\(\): verify_callback\(\)\.valid must be boolean/,
    );
    expect(await codeOf(runtime().call({ pluginDefId: gateway.id, fn: 'create_payment', config: {} }))).toMatch(/^plugins\.invalid_result: .*create_payment\(\)/);
  });

  it('a looping plugin fails that call with plugins.timeout and the others go on', async () => {
    const [looper, echo] = [await find('notifier/looper'), await find('notifier/echo')];
    const [looping, fine] = await Promise.all([
      codeOf(runtime().call({ pluginDefId: looper.id, fn: 'send', config: {} })),
      runtime().call({ pluginDefId: echo.id, fn: 'send', config: {}, params: { notification_id: 'n-2' } }),
    ]);
    expect(looping).toMatch(/^plugins\.timeout/);
    expect(fine).toEqual({ outcome: 'success', provider_message_id: 'v1-n-2' });
  });

  it('keeps one loaded instance per interface until evict() drops it', async () => {
    const stateful = await find('gateway/stateful');
    const count = (interfaceId: string) => runtime().call({ pluginDefId: stateful.id, interfaceId, fn: 'admin_count', config: {} });
    const [a, b] = ['0192a123-0000-7000-8000-00000000000a', '0192a123-0000-7000-8000-00000000000b'];
    expect([await count(a), await count(a), await count(b)]).toEqual([1, 2, 1]);
    runtime().evict(a);
    expect([await count(a), await count(b)]).toEqual([1, 2]);
  });

  it('refuses invalid definitions and unknown functions', async () => {
    const [missing, echo] = [await find('notifier/missing'), await find('notifier/echo')];
    expect(await codeOf(runtime().call({ pluginDefId: missing.id, fn: 'health_check', config: {} }))).toMatch(/^plugins\.invalid_plugin: Plugin notifier\/missing is invalid: missing required functions/);
    expect(await codeOf(runtime().call({ pluginDefId: echo.id, fn: 'nope', config: {} }))).toBe('plugins.function_not_found: Plugin notifier/echo has no function nope()');
  });

  it('picks up a new file, an edit and a deletion without a restart', async () => {
    // add
    writeFileSync(join(dir, 'notifier', 'fresh.js'), NOTIFIER('0.1.0', 'fresh'));
    const fresh = await waitFor(() => find('notifier/fresh'));
    expect(fresh).toMatchObject({ valid: true, available: true, version: '0.1.0' });

    // edit: the next call runs the new code
    const echo = await find('notifier/echo');
    writeFileSync(join(dir, 'notifier', 'echo.js'), NOTIFIER('2.0.0', 'v2'));
    await waitFor(async () => (await find('notifier/echo')).version === '2.0.0');
    const result = await runtime().call({ pluginDefId: echo.id, interfaceId: '0192a123-0000-7000-8000-0000000000aa', fn: 'send', config: {}, params: { notification_id: 'n-3' } });
    expect(result).toEqual({ outcome: 'success', provider_message_id: 'v2-n-3' });
    expect((await find('notifier/echo')).id).toBe(echo.id);

    // delete: the definition stays, unavailable, and cannot be called
    unlinkSync(join(dir, 'notifier', 'fresh.js'));
    await waitFor(async () => (await find('notifier/fresh')).available === false);
    const got = await client.call<{ plugin: any }>('IntegrationService', 'GetPlugin', { id: fresh.id }, app.tokens.admin);
    expect(got.response!.plugin.plugin_id).toBe('fresh');
    expect(await codeOf(runtime().call({ pluginDefId: fresh.id, fn: 'send', config: {} }))).toMatch(/^plugins\.invalid_plugin: .*removed/);
    const listed = await client.call<{ plugins: any[] }>('IntegrationService', 'ListPlugins', {}, app.tokens.admin);
    expect(listed.response!.plugins.map((p) => p.plugin_id)).not.toContain('fresh');
  });

  it('rescanPlugins reports what is not a plugin script', async () => {
    const res = await graphql(app.httpUrl, 'mutation { rescanPlugins { changed removed invalid ignored } }', {}, app.tokens.admin);
    expect(res.body.data.rescanPlugins.ignored).toEqual([expect.stringMatching(/junk: not a plugin type directory/)]);
  });
});
