import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createFileRegistry, fromBinary, type DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { BUF, bufCurlArgs, bufCurlExamples, bufRunner, grpcurlExamples, type BufProtocol, type BufResult, type GrpcurlExample } from './support/buf-curl.js';
import { FakeIncus } from './support/fake-servers/fake-incus.js';
import { HttpTarget } from './support/fake-servers/http-target.js';
import { GrpcTestClient } from './support/grpc-client.js';
import { ReflectionTestClient, type ReflectionVersion } from './support/reflection-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { GRPC_SERVICES, PROTO_FILES, PROTO_LOADER_OPTIONS, SERVED_SERVICES } from '../src/common/grpc/switchboard-grpc-server.js';
import { fileBytesOf } from '../src/common/grpc/reflection/server-reflection.js';
import { PROJECT_ROOT, PROTO_DESCRIPTOR_SET, PROTO_DIR } from '../src/config/paths.js';

/**
 * Server reflection as strict clients see it. buf curl (Go, protoregistry: it resolves descriptors
 * the way grpcurl does) runs every grpcurl example of the README and of seeds 000 and 001 with no
 * .proto files, over native gRPC and over gRPC-Web; a strict @bufbuild/protobuf registry is built
 * from what reflection hands out; and the bytes handed out are the compiler's.
 */

const SEEDS_DIR = join(PROJECT_ROOT, '..', 'shared', 'seeds');
const SEED_FIXTURE = join(PROJECT_ROOT, 'test', 'fixtures', 'seed-grpcurl-examples.txt');
/** Shell variables of the README's examples; replaced by real tokens at run time. */
const README_VARS = { TOKEN: '<token>', PUBLISHER: '<publisher>' };
const README_EXAMPLES = grpcurlExamples(readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8'), 'README.md', README_VARS);
const DOCS_EXAMPLES = readdirSync(join(PROJECT_ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .flatMap((f) => grpcurlExamples(readFileSync(join(PROJECT_ROOT, 'docs', f), 'utf8'), `docs/${f}`, README_VARS));
/** The buf curl commands the README and docs give (docs/grpc-reflection.md), run as they are written. */
const BUF_CURL_EXAMPLES = ['README.md', ...readdirSync(join(PROJECT_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)].flatMap((f) =>
  bufCurlExamples(readFileSync(join(PROJECT_ROOT, f), 'utf8'), f, README_VARS),
);
const SEED_EXAMPLES = grpcurlExamples(readFileSync(SEED_FIXTURE, 'utf8'), 'seeds 000/001');
const SEED_ID = /^0192a123-/;
const UPSTREAM_INSTANCE = 'i-abc123';

/** buf's FileDescriptorSet of proto/, built now (what `npm run proto:descriptors` writes). */
function freshDescriptorSet(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-buf-'));
  try {
    execFileSync(BUF, ['build', PROTO_DIR, '--as-file-descriptor-set', '-o', join(dir, 'set.binpb')], { stdio: 'pipe' });
    return readFileSync(join(dir, 'set.binpb'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const methodsOf = (services: readonly string[]) => {
  const definition = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
  return services.flatMap((s) => Object.keys(definition[s] as object).map((m) => `${s}/${m}`));
};

/** Every method the port answers, as buf curl --list-methods prints them (sorted). */
const ALL_METHODS = [
  ...methodsOf(GRPC_SERVICES),
  'grpc.health.v1.Health/Check',
  'grpc.health.v1.Health/List',
  'grpc.health.v1.Health/Watch',
  'grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
  'grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
].sort();

describe('the descriptors reflection serves', () => {
  it('proto/descriptors.binpb is what buf builds from proto/ now (else: npm run proto:descriptors)', () => {
    expect(Buffer.compare(freshDescriptorSet(), readFileSync(PROTO_DESCRIPTOR_SET))).toBe(0);
  });

  it('the vendored health.proto is the one grpc-health-check serves Health from', () => {
    // (The reflection protos under proto/grpc/reflection are served by our own ServerReflection, from the compiled set.)
    const installed = join(PROJECT_ROOT, 'node_modules', 'grpc-health-check', 'proto', 'health', 'v1', 'health.proto');
    expect(readFileSync(join(PROTO_DIR, 'grpc', 'health', 'v1', 'health.proto'), 'utf8')).toBe(readFileSync(installed, 'utf8'));
  });

  const seedsHere = existsSync(SEEDS_DIR);
  (seedsHere ? it : it.skip)(`the seed fixture still equals the grpcurl examples of seeds 000 and 001${seedsHere ? '' : ' (skipped: no ../shared/seeds beside the repository)'}`, () => {
    const seedText = readdirSync(SEEDS_DIR)
      .filter((f) => /^00[01]_.*\.txt$/.test(f))
      .sort()
      .map((f) => readFileSync(join(SEEDS_DIR, f), 'utf8'))
      .join('\n');
    expect(SEED_EXAMPLES.map((e) => e.text)).toEqual(grpcurlExamples(seedText, 'seeds').map((e) => e.text));
    expect(SEED_EXAMPLES.filter((e) => e.target.startsWith('rustbill.integration.'))).toHaveLength(22);
  });
});

describe('server reflection over the wire (v1 and v1alpha)', () => {
  let app: TestApp;
  const clients: Partial<Record<ReflectionVersion, ReflectionTestClient>> = {};
  const client = (version: ReflectionVersion) => (clients[version] ??= new ReflectionTestClient(app.grpcAddress, version));

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    for (const c of Object.values(clients)) c.close();
    await app?.close();
  });

  /** Every file reflection serves, fetched as a client with no .proto files does, by name. */
  async function servedFiles(version: ReflectionVersion): Promise<Map<string, Uint8Array>> {
    const files = new Map<string, Uint8Array>();
    const [list] = await client(version).ask({ case: 'listServices', value: '*' });
    if (list.messageResponse.case !== 'listServicesResponse') throw new Error(JSON.stringify(list));
    const take = (bytes: Uint8Array[]) => {
      for (const b of bytes) files.set(fromBinary(FileDescriptorProtoSchema, b).name, b);
    };
    for (const { name } of list.messageResponse.value.service) take(await client(version).files({ case: 'fileContainingSymbol', value: name }));
    // Every import must be served by name too.
    for (const b of [...files.values()]) {
      for (const dependency of fromBinary(FileDescriptorProtoSchema, b).dependency) take(await client(version).files({ case: 'fileByFilename', value: dependency }));
    }
    return files;
  }

  it.each(['v1', 'v1alpha'] as const)('%s: lists every service the port answers, reflection and health included', async (version) => {
    const [reply] = await client(version).ask({ case: 'listServices', value: '*' });
    expect(reply.validHost).toBe('switchboard.test');
    expect(reply.messageResponse.case === 'listServicesResponse' && reply.messageResponse.value.service.map((s) => s.name).sort()).toEqual([...SERVED_SERVICES].sort());
  });

  it.each(['v1', 'v1alpha'] as const)('%s: a strict registry built from what it serves resolves every service, method and field type', async (version) => {
    const files = await servedFiles(version);
    // Each served file on its own, its imports looked up among the served ones only (none built in).
    const protos = new Map([...files].map(([name, bytes]) => [name, fromBinary(FileDescriptorProtoSchema, bytes)]));
    const registry = createFileRegistry(...[...protos.values()].map((proto) => createFileRegistry(proto, (name) => protos.get(name))));
    const seen = new Set<string>();
    const resolveMessage = (message: DescMessage) => {
      if (seen.has(message.typeName)) return;
      seen.add(message.typeName);
      for (const field of message.fields) {
        if (field.message) resolveMessage(field.message);
        if (field.fieldKind === 'map' && field.mapKind === 'message') resolveMessage(field.message);
      }
    };
    for (const name of SERVED_SERVICES) {
      const service = registry.getService(name);
      expect(service?.typeName).toBe(name);
      for (const method of service!.methods) {
        expect(registry.getMessage(method.input.typeName)).toBe(method.input);
        expect(registry.getMessage(method.output.typeName)).toBe(method.output);
        resolveMessage(method.input);
        resolveMessage(method.output);
      }
    }
    // What proto-loader (and so the wrong reflection) got wrong: imports, map entries, real names.
    expect(fromBinary(FileDescriptorProtoSchema, files.get('rustbill/integration.proto')!).dependency).toEqual(['rustbill/order.proto']);
    const queryPrice = fromBinary(FileDescriptorProtoSchema, files.get('rustbill/integration.proto')!).messageType.find((m) => m.name === 'QueryPriceRequest')!;
    expect(queryPrice.nestedType.map((n) => [n.name, n.options?.mapEntry])).toEqual([['ExtraSpecsEntry', true]]);
    expect(registry.getMessage('rustbill.integration.UpstreamOrderRequest')!.field.serverSpec.message?.typeName).toBe('rustbill.order.ServerSpec');
    expect(registry.getMessage('rustbill.integration.QueryPriceRequest')!.field.extraSpecs.fieldKind).toBe('map');
    expect([...files.keys()].sort()).toEqual([
      'grpc/health/v1/health.proto',
      'grpc/reflection/v1/reflection.proto',
      'grpc/reflection/v1alpha/reflection.proto',
      'rustbill/integration.proto',
      'rustbill/notification.proto',
      'rustbill/order.proto',
      'switchboard/events/v1/events.proto',
    ]);
  });

  it('serves the compiler\'s bytes, each file exactly as buf wrote it', async () => {
    const fresh = fileBytesOf(freshDescriptorSet());
    const built = new Map(fresh.map((b) => [fromBinary(FileDescriptorProtoSchema, b).name, Buffer.from(b)]));
    const served = await servedFiles('v1');
    expect(served.size).toBe(built.size);
    for (const [name, bytes] of served) expect(Buffer.compare(Buffer.from(bytes), built.get(name)!)).toBe(0);
  });

  it('the services grpc-js routes (proto-loader) have exactly the methods and message types reflection describes', async () => {
    const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(PROTO_DESCRIPTOR_SET)));
    const definition = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
    for (const name of GRPC_SERVICES) {
      const routed = definition[name] as protoLoader.ServiceDefinition;
      const described = registry.getService(name)!;
      const typeName = (t: { type: unknown }) => (t.type as { name: string }).name;
      expect(Object.values(routed).map((m) => [m.path, typeName(m.requestType), typeName(m.responseType)])).toEqual(
        described.methods.map((m) => [`/${name}/${m.name}`, m.input.name, m.output.name]),
      );
    }
  });

  it.each([
    ['a nested map entry', 'rustbill.integration.QueryPriceRequest.ExtraSpecsEntry', 'rustbill/integration.proto'],
    ['a method', 'rustbill.integration.IntegrationService.ListPlugins', 'rustbill/integration.proto'],
    ['a field', 'rustbill.integration.PluginInterfaceInfo.health_error', 'rustbill/integration.proto'],
    ['a synthetic oneof of an optional field', 'rustbill.integration.PluginInterfaceInfo._health_error', 'rustbill/integration.proto'],
    ['a nested enum', 'grpc.health.v1.HealthCheckResponse.ServingStatus', 'grpc/health/v1/health.proto'],
    ['an enum value (a sibling of its enum, as protoc names it)', 'grpc.health.v1.HealthCheckResponse.SERVING', 'grpc/health/v1/health.proto'],
    ['a symbol with a leading dot', '.rustbill.order.ServerSpec', 'rustbill/order.proto'],
  ])('file_containing_symbol finds %s', async (_what, symbol, file) => {
    for (const version of ['v1', 'v1alpha'] as const) {
      const files = await client(version).files({ case: 'fileContainingSymbol', value: symbol });
      expect(fromBinary(FileDescriptorProtoSchema, files[0]).name).toBe(file);
    }
  });

  it('file_containing_symbol of the integration service sends its import too', async () => {
    const files = await client('v1').files({ case: 'fileContainingSymbol', value: 'rustbill.integration.IntegrationService' });
    expect(files.map((b) => fromBinary(FileDescriptorProtoSchema, b).name)).toEqual(['rustbill/integration.proto', 'rustbill/order.proto']);
  });

  it.each(['v1', 'v1alpha'] as const)('%s: unknown symbol, file, extension and type: NOT_FOUND error_response, and the stream goes on', async (version) => {
    const replies = await client(version).ask(
      { case: 'fileContainingSymbol', value: 'rustbill.integration.NoSuchThing' },
      { case: 'fileByFilename', value: 'rustbill/nope.proto' },
      { case: 'fileContainingExtension', value: { containingType: 'rustbill.order.ServerSpec', extensionNumber: 100 } },
      { case: 'allExtensionNumbersOfType', value: 'rustbill.order.NoSuchType' },
      { case: 'fileByFilename', value: 'rustbill/order.proto' },
      { case: 'allExtensionNumbersOfType', value: 'rustbill.order.ServerSpec' },
    );
    expect(replies.slice(0, 4).map((r) => r.messageResponse.case === 'errorResponse' && r.messageResponse.value.errorCode)).toEqual(Array(4).fill(grpc.status.NOT_FOUND));
    expect(replies[0].messageResponse.case === 'errorResponse' && replies[0].messageResponse.value.errorMessage).toContain('rustbill.integration.NoSuchThing');
    expect(replies[4].messageResponse.case).toBe('fileDescriptorResponse');
    // A known message type without extensions: an empty list, not an error (as protoc's and grpc-go's servers answer).
    expect(replies[5].messageResponse).toEqual({ case: 'allExtensionNumbersResponse', value: expect.objectContaining({ baseTypeName: 'rustbill.order.ServerSpec', extensionNumber: [] }) });
  });
});

describe.each(['grpc', 'grpcweb'] as BufProtocol[])('buf curl --protocol %s, schema from server reflection only', (protocol) => {
  let app: TestApp;
  let client: GrpcTestClient;
  let upstream: HttpTarget;
  let incus: FakeIncus;
  const buf = bufRunner(4);
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    upstream = await HttpTarget.start();
    upstream
      .on('GET', '/v1/ping', { body: { ok: true } })
      .on('GET', '/v1/options', { body: { regions: ['us-west'], os: ['ubuntu-22.04'] } })
      .on('GET', '/v1/products', { body: { products: [{ id: 'vps-s', name: 'VPS S', price: '5.00', currency: 'USD' }] } })
      .on('POST', '/v1/quotes', { body: { amount: '12.50', currency: 'USD', billing_cycle: 'monthly' } })
      .on('POST', '/v1/instances', { body: { id: UPSTREAM_INSTANCE, status: 'active', ip_address: '203.0.113.7' } })
      .on('GET', `/v1/instances/${UPSTREAM_INSTANCE}`, { body: { id: UPSTREAM_INSTANCE, status: 'active', ip_address: '203.0.113.7' } })
      .on('GET', '/v1/instances', { body: { instances: [{ id: UPSTREAM_INSTANCE, status: 'active', ip_address: '203.0.113.7' }] } })
      .on('GET', '/v1/account/balance', { body: { balance: '100.00', currency: 'USD' } });
    incus = await FakeIncus.start({ token: 'incus-token-4f3e2d1c' });
    app = await startTestApp({ PLUGIN_HTTP_ALLOW: `${upstream.hostPort},${incus.hostPort}`, PLUGIN_WORKERS: '1' });
    client = new GrpcTestClient(app.grpcAddress);
    tokens.admin = app.tokens.admin;
    tokens.publisher = await app.tokens.withPermissions('events.publish');
    const plugins = await client.call<{ plugins: { id: string; plugin_id: string }[] }>('IntegrationService', 'ListPlugins', {}, app.tokens.admin);
    const def = (pluginId: string) => plugins.response!.plugins.find((p) => p.plugin_id === pluginId)!.id;
    ids.yipay = def('yipay');
    const create = async (pluginId: string, display_name: string, config: object) => {
      const created = await client.call<{ interface: { id: string } }>('IntegrationService', 'CreatePluginInterface', { plugin_def_id: def(pluginId), display_name, config_json: JSON.stringify(config) }, app.tokens.admin);
      if (created.error) throw created.error;
      return created.response!.interface.id;
    };
    ids.provider = await create('reseller', 'Reseller', { api_url: upstream.url('/'), api_key: 'rk_test_1' });
    // Its Epay is the fake upstream, which has no api.php: unhealthy, deterministically.
    ids.gateway = await create('yipay', 'Yipay (seed chain)', { api_url: upstream.url('/'), pid: '1001', key: 'xxx' });
    ids.doomed = await create('yipay', 'Yipay (deleted by the seed)', { api_url: 'https://pay.example.com', pid: '1002', key: 'xxx' });
    // The seed's admin page and admin_list_instances action are the incus plugin's.
    ids.incus = await create('incus', 'Incus', {
      api_url: `http://${incus.hostPort}`,
      token: 'incus-token-4f3e2d1c',
      image: 'debian/12',
      pricing: { per_core: '2.00', per_gb_ram: '1.00', per_gb_disk: '0.10', currency: 'USD', billing_cycle: 'monthly' },
    });
    ids.bank = await create('bank_transfer', 'Bank', { bank_name: 'B', account_name: 'A', account_number: '123' });
  });
  afterAll(async () => {
    client?.close();
    await app?.close();
    await upstream?.close();
    await incus?.close();
  });

  /** The example as buf curl runs it: tokens in, the seed's 0192a123-... ids replaced by real ones. */
  const run = (example: Pick<GrpcurlExample, 'kind' | 'target' | 'headers' | 'data'>, token = tokens.admin): Promise<BufResult> => {
    const headers = example.headers.map((h) => h.replace('<token>', token).replace('<publisher>', tokens.publisher));
    let data = example.data;
    if (data !== undefined) {
      const body = JSON.parse(data) as Record<string, unknown>;
      const method = example.target.split('/')[1];
      for (const key of ['id', 'plugin_def_id', 'interface_id']) {
        if (typeof body[key] !== 'string' || !SEED_ID.test(body[key])) continue;
        body[key] = key === 'id' || key === 'plugin_def_id' ? ids.yipay : PROVIDER_RPCS.has(method) ? ids.provider : ADMIN_PAGE_RPCS.has(method) ? ids.incus : method === 'DeletePluginInterface' ? ids.doomed : ids.gateway;
      }
      data = JSON.stringify(body);
    }
    return buf(bufCurlArgs({ ...example, headers, data }, app.grpcAddress, protocol));
  };
  const ok = (result: BufResult) => {
    if (result.exitCode !== 0) throw new Error(`buf curl exited ${result.exitCode}: ${result.stderr}`);
    return result.json ?? {};
  };
  const refused = (result: BufResult, code: grpc.status, errorCode: string) => {
    expect({ grpcCode: result.grpcCode, message: String(result.json?.message).split(':')[0] }).toEqual({ grpcCode: code, message: errorCode });
  };

  /** What each example must answer, by its target (README and seeds share some). */
  const EXPECT: Record<string, (result: BufResult) => void> = {
    list: (r) => expect(r.stdout.trim().split('\n')).toEqual([...SERVED_SERVICES].sort()),
    describe: (r) => expect(r.stdout.trim().split('\n').filter((l) => l.startsWith('rustbill.integration.IntegrationService/')).sort()).toEqual(methodsOf(['rustbill.integration.IntegrationService']).sort()),
    'grpc.health.v1.Health/Check': (r) => expect(ok(r)).toEqual({ status: 'SERVING' }),
    'switchboard.events.v1.EventService/PublishEvent': (r) => expect(ok(r)).toEqual({ eventId: 'order-1001.paid' }),
    'rustbill.notification.NotificationService/ListNotifiers': (r) => expect(ok(r)).toEqual({}),
    // No notifier is enabled here: nothing to send to, and no error.
    'rustbill.notification.NotificationService/SendNotification': (r) => expect(ok(r)).toEqual({}),
    'rustbill.integration.IntegrationService/ListProviders': (r) =>
      expect(ok(r).providers).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ interfaceId: ids.provider, providerName: 'Reseller', providerType: 'upstream', isHealthy: true }),
          expect.objectContaining({ interfaceId: ids.incus, providerName: 'Incus', providerType: 'first_party', specTemplate: { fields: expect.arrayContaining([expect.objectContaining({ key: 'cpu_cores', max: '64' })]) } }),
        ]),
      ),
    'rustbill.integration.IntegrationService/ListGateways': (r) => expect(ok(r).gateways).toEqual(expect.arrayContaining([{ gatewayId: ids.bank, gatewayName: 'Bank', isHealthy: true }])),
    'rustbill.integration.IntegrationService/ListNotifiers': (r) => expect(ok(r)).toEqual({}),
    'rustbill.integration.IntegrationService/ListPlugins': (r) => {
      const plugins = ok(r).plugins as { pluginType: string; pluginId: string }[];
      expect(plugins.map((p) => `${p.pluginType}/${p.pluginId}`).sort()).toEqual(['gateway/bank_transfer', 'gateway/yipay']);
    },
    'rustbill.integration.IntegrationService/GetPlugin': (r) => expect(ok(r).plugin).toMatchObject({ id: ids.yipay, pluginType: 'gateway', pluginId: 'yipay' }),
    'rustbill.integration.IntegrationService/ListPluginInterfaces': (r) => expect(ok(r).interfaces).toEqual([expect.objectContaining({ id: ids.incus, pluginType: 'first_party_provider', pluginId: 'incus' })]),
    'rustbill.integration.IntegrationService/GetPluginAdminPage': (r) => expect(ok(r)).toEqual({ title: 'Incus instances', htmlContent: expect.stringContaining('No instances.') }),
    'rustbill.integration.IntegrationService/CallPluginAction': (r) => expect(JSON.parse(ok(r).resultJson)).toEqual({ instances: [] }),
    'rustbill.integration.IntegrationService/RestartServer': (r) => refused(r, grpc.status.PERMISSION_DENIED, 'auth.permission_denied'),
    'rustbill.integration.IntegrationService/SyncProducts': (r) => expect(ok(r)).toMatchObject({ products: [expect.objectContaining({ externalId: 'vps-s', name: 'VPS S' })] }),
    'rustbill.integration.IntegrationService/QueryPrice': (r) => expect(ok(r)).toEqual({ amount: '12.50', currency: 'USD', billingCycle: 'monthly' }),
    'rustbill.integration.IntegrationService/CreateUpstreamInstance': (r) => expect(ok(r)).toEqual({ providerInstanceId: UPSTREAM_INSTANCE, status: 'active', ipAddress: '203.0.113.7' }),
    'rustbill.integration.IntegrationService/GetInstanceStatus': (r) => expect(ok(r)).toEqual({ status: 'active', ipAddress: '203.0.113.7' }),
    'rustbill.integration.IntegrationService/SyncUpstreamInstances': (r) => expect(ok(r).instances).toEqual([expect.objectContaining({ instanceId: UPSTREAM_INSTANCE, status: 'active' })]),
    'rustbill.integration.IntegrationService/ImportUpstreamInstance': (r) => expect(ok(r)).toMatchObject({ status: 'active', ipAddress: '203.0.113.7' }),
    'rustbill.integration.IntegrationService/GetUpstreamBalance': (r) => expect(ok(r)).toEqual({ balance: '100.00', currency: 'USD' }),
  };
  /** Seed 001's interface walk, in the seed's order, on one gateway interface (DeletePluginInterface on its own). */
  const CHAIN: Record<string, (result: BufResult) => void> = {
    // The seed's config for 易支付 has no pid, which the yipay plugin's config_schema requires.
    'rustbill.integration.IntegrationService/CreatePluginInterface': (r) => refused(r, grpc.status.INVALID_ARGUMENT, 'plugins.invalid_config'),
    'rustbill.integration.IntegrationService/GetPluginInterface': (r) => expect(ok(r).interface).toMatchObject({ id: ids.gateway, pluginId: 'yipay' }),
    // The seed's new config replaces the old one and has no pid either.
    'rustbill.integration.IntegrationService/UpdatePluginInterface': (r) => refused(r, grpc.status.INVALID_ARGUMENT, 'plugins.invalid_config'),
    'rustbill.integration.IntegrationService/TogglePluginInterface': (r) => expect(ok(r).interface).toMatchObject({ id: ids.gateway, enabled: true }),
    'rustbill.integration.IntegrationService/DeletePluginInterface': (r) => expect(ok(r)).toEqual({}),
    // (proto3 JSON leaves out is_healthy: false.)
    'rustbill.integration.IntegrationService/CheckPluginHealth': (r) => expect(ok(r)).toEqual({ error: 'Epay answered HTTP 404', checkedAt: expect.any(String) }),
  };
  const ADMIN_PAGE_RPCS = new Set(['GetPluginAdminPage', 'CallPluginAction']);
  const PROVIDER_RPCS = new Set(['SyncProducts', 'QueryPrice', 'CreateUpstreamInstance', 'GetInstanceStatus', 'SyncUpstreamInstances', 'ImportUpstreamInstance', 'GetUpstreamBalance']);
  const expectationOf = (example: GrpcurlExample) => (example.kind === 'call' ? (EXPECT[example.target] ?? CHAIN[example.target]) : EXPECT[example.kind]);

  it('every example has an expectation here (a new README or seed example needs one)', () => {
    const missing = [
      ...[...README_EXAMPLES, ...DOCS_EXAMPLES, ...SEED_EXAMPLES].filter((e) => expectationOf(e) === undefined),
      ...BUF_CURL_EXAMPLES.filter((e) => e.kind === 'call' && !(e.target in EXPECT)),
    ].map((e) => `${e.source} ${e.target}`);
    expect(missing).toEqual([]);
    expect(SEED_EXAMPLES.map((e) => e.target).filter((t) => t in CHAIN).sort()).toEqual(Object.keys(CHAIN).sort());
  });

  it('--list-services and --list-methods against the server', async () => {
    const [services, methods] = await Promise.all([run({ kind: 'list', target: '', headers: [], data: undefined }), run({ kind: 'describe', target: '', headers: [], data: undefined })]);
    EXPECT.list(services);
    expect(methods.stdout.trim().split('\n')).toEqual(ALL_METHODS);
  });

  it.each([...README_EXAMPLES, ...DOCS_EXAMPLES].map((e) => [`${e.source} ${e.kind} ${e.target}`, e] as const))('%s', async (_name, example) => {
    expectationOf(example)(await run(example));
  });

  // Each names its own protocol: run once, in the native describe.
  if (protocol === 'grpc') it(`the ${BUF_CURL_EXAMPLES.length} buf curl commands of the README and docs, as written (address and tokens filled in)`, async () => {
    expect(BUF_CURL_EXAMPLES.length).toBeGreaterThan(0);
    const results = await Promise.all(
      BUF_CURL_EXAMPLES.map(async (example) => {
        const args = example.args.map((a) => a.replace('http://localhost:50051', `http://${app.grpcAddress}`).replace('<token>', tokens.admin).replace('<publisher>', tokens.publisher));
        return [example, await buf(args)] as const;
      }),
    );
    for (const [example, result] of results) {
      try {
        if (example.kind === 'methods') expect(result.stdout.trim().split('\n')).toEqual(ALL_METHODS);
        else (example.kind === 'list' ? EXPECT.list : EXPECT[example.target])(result);
      } catch (err) {
        throw new Error(`${example.source} ${example.text}: ${(err as Error).message}\nstderr: ${result.stderr}`, { cause: err });
      }
    }
  });

  it(`the seeds' ${SEED_EXAMPLES.length} examples (seed 001's interface walk in order, the rest at once)`, async () => {
    const independent = SEED_EXAMPLES.filter((e) => !(e.target in CHAIN));
    const chained = SEED_EXAMPLES.filter((e) => e.target in CHAIN);
    // RestartServer is run as a user: the seed's PermissionDenied (as admin it would stop this app; test/restart.e2e-spec.ts).
    const tokenOf = (e: GrpcurlExample) => (e.target.endsWith('/RestartServer') ? app.tokens.user : tokens.admin);
    const walk = (async () => {
      const results: [GrpcurlExample, BufResult][] = [];
      for (const e of chained) results.push([e, await run(e, tokenOf(e))]);
      return results;
    })();
    const rest = await Promise.all(independent.map(async (e) => [e, await run(e, tokenOf(e))] as const));
    for (const [example, result] of [...rest, ...(await walk)]) {
      try {
        expectationOf(example)(result);
      } catch (err) {
        throw new Error(`${example.source} ${example.target}: ${(err as Error).message}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`, { cause: err });
      }
    }
  });
});
