import { describeGraphqlAuthMatrix } from '../support/auth-matrix.js';
import { closedPort } from '../support/fake-servers/closed-port.js';
import { FakeIncus } from '../support/fake-servers/fake-incus.js';
import { HttpTarget, type RecordedRequest } from '../support/fake-servers/http-target.js';
import { GrpcTestClient } from '../support/grpc-client.js';
import { graphql, type GraphqlResponse, type HttpResult } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { callerScopedKey } from '../../src/modules/integration/provider.service.js';

/** A key as the plugin gets it from test-user: scoped to the caller. */
const scoped = (key: string, sub = 'test-user') => callerScopedKey(key, sub);

/**
 * The provider operations of IntegrationService in the GraphQL admin: the same service
 * methods as over gRPC, so the same behaviour and error codes (in extensions.errorCode, with the
 * GraphQL class in extensions.code), against the built-in reseller provider talking to a local fake
 * upstream and the built-in incus provider talking to a local fake Incus API.
 */
describe('GraphQL admin: provider operations', () => {
  let app: TestApp;
  let client: GrpcTestClient;
  let target: HttpTarget;
  let incus: FakeIncus;
  let refusedPort: number;
  const defs: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const API_KEY = 'rk_live_5a4b3c2d1e0f';
  const INCUS_TOKEN = 'incus-bearer-1b2c3d4e';
  const MISSING = '00000000-0000-4000-8000-000000000000';

  type Result = HttpResult<GraphqlResponse>;
  const gql = (query: string, variables: Record<string, unknown> = {}, token: string | null = app.tokens.admin): Promise<Result> =>
    graphql(app.httpUrl, query, variables, token);
  const data = async (query: string, variables: Record<string, unknown> = {}, token?: string | null): Promise<any> => {
    const res = await gql(query, variables, token);
    if (res.body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(res.body.errors)}`);
    return res.body.data;
  };
  /** One error whose extensions carry the GraphQL class and our namespaced code; the message names what failed. */
  const expectError = (res: Result, code: string, errorCode: string, message?: RegExp) => {
    expect(res.body.errors).toHaveLength(1);
    const [error] = res.body.errors!;
    expect(error.extensions).toMatchObject({ code, errorCode });
    if (message) expect(error.message).toMatch(message);
  };
  const violationFields = (res: Result): string[] => (res.body.errors?.[0].extensions?.details?.violations ?? []).map((v: { field: string }) => v.field);
  const create = async (plugin: string, displayName: string, config: Record<string, unknown>): Promise<string> =>
    (
      await data('mutation($input: CreatePluginInterfaceInput!) { createPluginInterface(input: $input) { id } }', {
        input: { pluginDefId: defs[plugin], displayName, config },
      })
    ).createPluginInterface.id;
  const requestsTo = (method: string, path: string) => target.requests.filter((r: RecordedRequest) => r.method === method && new URL(r.path, 'http://x').pathname === path);

  const PRICE = 'query($input: QueryPriceInput!) { priceQuote(input: $input) { amount currency billingCycle } }';
  const SYNC_PRODUCTS = 'mutation($id: ID!) { syncProducts(interfaceId: $id) { createdCount updatedCount products { productId externalId name created } } }';
  const ORDER =
    'mutation($input: CreateUpstreamInstanceInput!, $key: String) { createUpstreamInstance(input: $input, idempotencyKey: $key) { providerInstanceId status ipAddress } }';
  const STATUS = 'query($id: ID!, $instance: String!) { instanceStatus(interfaceId: $id, instanceId: $instance) { status ipAddress } }';
  const LIST = 'query($id: ID!) { upstreamInstances(interfaceId: $id) { instanceId status ipAddress createdAt } }';
  const IMPORT = 'mutation($id: ID!, $instance: String!) { importUpstreamInstance(interfaceId: $id, instanceId: $instance) { id status ipAddress } }';
  const BALANCE = 'query($id: ID!) { upstreamBalance(interfaceId: $id) { balance currency } }';

  beforeAll(async () => {
    target = await HttpTarget.start();
    incus = await FakeIncus.start({ token: INCUS_TOKEN });
    refusedPort = await closedPort();
    app = await startTestApp({
      PLUGIN_HTTP_ALLOW: `${target.hostPort},${incus.hostPort},127.0.0.1:${refusedPort}`,
      PLUGIN_TIMEOUT_MS: '2000',
      PLUGIN_WORKERS: '1',
    });
    client = new GrpcTestClient(app.grpcAddress);
    for (const p of (await data('{ plugins { id pluginType pluginId } }')).plugins as { id: string; pluginType: string; pluginId: string }[]) {
      defs[`${p.pluginType}/${p.pluginId}`] = p.id;
    }
    ids.reseller = await create('upstream_provider/reseller', 'Reseller', { api_url: target.url('/'), api_key: API_KEY });
    ids.down = await create('upstream_provider/reseller', 'Reseller down', { api_url: `http://127.0.0.1:${refusedPort}`, api_key: API_KEY });
    ids.incus = await create('first_party_provider/incus', 'Incus', {
      api_url: incus.url(),
      token: INCUS_TOKEN,
      project: 'shop',
      image: 'debian/12',
      pricing: { per_core: '2.00', per_gb_ram: '1.00', per_gb_disk: '0.10', currency: 'USD', billing_cycle: 'monthly' },
    });
    ids.gateway = await create('gateway/bank_transfer', 'Bank', { bank_name: 'B', account_name: 'A', account_number: '123' });
    ids.disabled = await create('upstream_provider/reseller', 'Reseller off', { api_url: target.url('/'), api_key: API_KEY });
    await data('mutation($id: ID!) { togglePluginInterface(id: $id, enable: false) { enabled } }', { id: ids.disabled });
  });
  beforeEach(() => {
    target.reset();
    incus.reset();
  });
  afterAll(async () => {
    client?.close();
    await app?.close();
    await target?.close();
    await incus?.close();
  });

  describe('priceQuote (QueryPrice)', () => {
    it('passes the typed spec to the upstream and answers the amount as a decimal string (any authenticated user)', async () => {
      target.on('POST', '/v1/quotes', { body: { amount: '12.50', currency: 'EUR', billing_cycle: 'monthly' } });
      const input = { interfaceId: ids.reseller, cpuCores: 2, memoryGb: 4, diskGb: 50, bandwidthMbps: 100, region: 'fra1', os: 'debian-12' };
      expect((await data(PRICE, { input }, app.tokens.user)).priceQuote).toEqual({ amount: '12.50', currency: 'EUR', billingCycle: 'monthly' });
      const [quote] = requestsTo('POST', '/v1/quotes');
      expect(quote.json).toMatchObject({ cpu_cores: 2, memory_gb: 4, disk_gb: 50, bandwidth_mbps: 100, region: 'fra1', os: 'debian-12' });
      expect(quote.headers.authorization).toBe(`Bearer ${API_KEY}`);
    });

    it("prices from extraSpecs alone, as RustBill's customer client sends the spec", async () => {
      target.on('POST', '/v1/quotes', { body: { amount: 7, currency: 'EUR', billing_cycle: 'monthly' } });
      const input = { interfaceId: ids.reseller, extraSpecs: { cpu_cores: '4', memory_gb: ' 8 ', disk_gb: '80', region: 'sgp1', os: 'ubuntu-24.04', ipv6: 'yes' } };
      expect((await data(PRICE, { input })).priceQuote.amount).toBe('7');
      const [quote] = requestsTo('POST', '/v1/quotes');
      expect(quote.json).toMatchObject({ cpu_cores: 4, memory_gb: 8, disk_gb: 80, bandwidth_mbps: 0, region: 'sgp1', os: 'ubuntu-24.04', extra_specs: { ipv6: 'yes' } });
    });

    it('a first-party provider prices locally, the same from either form, and the same as over gRPC', async () => {
      const typed = (await data(PRICE, { input: { interfaceId: ids.incus, cpuCores: 2, memoryGb: 4, diskGb: 10 } })).priceQuote;
      const extra = (await data(PRICE, { input: { interfaceId: ids.incus, extraSpecs: { cpu_cores: '2', memory_gb: '4', disk_gb: '10' } } })).priceQuote;
      expect(extra).toEqual(typed);
      expect(typed).toEqual({ amount: '9.00', currency: 'USD', billingCycle: 'monthly' });
      const overGrpc = await client.call('IntegrationService', 'QueryPrice', { interface_id: ids.incus, cpu_cores: 2, memory_gb: 4, disk_gb: 10 }, app.tokens.admin);
      expect(overGrpc.response).toEqual({ amount: '9.00', currency: 'USD', billing_cycle: 'monthly' });
      expect(incus.requests).toHaveLength(0);
    });

    it('takes the whole uint32 range, which GraphQL Int could not', async () => {
      target.on('POST', '/v1/quotes', { body: { amount: '1', currency: 'EUR', billing_cycle: 'monthly' } });
      await data(PRICE, { input: { interfaceId: ids.reseller, cpuCores: 4294967295, memoryGb: 0, extraSpecs: { memory_gb: '4294967295' } } });
      expect(requestsTo('POST', '/v1/quotes')[0].json).toMatchObject({ cpu_cores: 4294967295, memory_gb: 4294967295 });
    });

    it('a typed value outside uint32 is BAD_USER_INPUT naming the field, before anything is called', async () => {
      for (const bad of [4294967296, -1, 1.5, '2']) {
        const res = await gql(PRICE, { input: { interfaceId: ids.reseller, cpuCores: bad } });
        expectError(res, 'BAD_USER_INPUT', 'common.validation_failed', /cpuCores/);
      }
      // A literal is refused while the document is validated: graphql-js points at it by location, as for Int.
      const literal = await gql(`{ priceQuote(input: { interfaceId: "${ids.reseller}", diskGb: -5 }) { amount } }`);
      expectError(literal, 'GRAPHQL_VALIDATION_FAILED', 'common.validation_failed', /found -5; UInt32 must be a whole number from 0 to 4294967295/);
      expect((literal.body.errors?.[0] as any).locations).toEqual([{ line: 1, column: expect.any(Number) }]);
      expect(target.requests).toHaveLength(0);
    });

    it('an extraSpecs value that is not a whole number is BAD_USER_INPUT naming the field, and calls nothing', async () => {
      for (const bad of ['two', '-1', '1.5', '4294967296', '0x10']) {
        const res = await gql(PRICE, { input: { interfaceId: ids.reseller, extraSpecs: { cpu_cores: bad } } });
        expectError(res, 'BAD_USER_INPUT', 'common.validation_failed', /extra_specs\.cpu_cores/);
        expect(violationFields(res)).toEqual(['extra_specs.cpu_cores']);
      }
      const notStrings = await gql(PRICE, { input: { interfaceId: ids.reseller, extraSpecs: { cpu_cores: 2 } } });
      expectError(notStrings, 'BAD_USER_INPUT', 'common.validation_failed', /extra_specs\.cpu_cores: must be a string/);
      const notAMap = await gql(PRICE, { input: { interfaceId: ids.reseller, extraSpecs: ['cpu_cores'] } });
      expectError(notAMap, 'BAD_USER_INPUT', 'common.validation_failed', /extra_specs: must be a map of strings/);
      expect(target.requests).toHaveLength(0);
    });

    it('bad and unknown ids, a non-provider and a disabled interface: the same codes as over gRPC', async () => {
      expectError(await gql(PRICE, { input: { interfaceId: 'not-a-uuid' } }), 'BAD_USER_INPUT', 'common.validation_failed', /interface_id/);
      expectError(await gql(PRICE, { input: { interfaceId: MISSING } }), 'NOT_FOUND', 'integration.interface_not_found');
      expectError(await gql(PRICE, { input: { interfaceId: ids.gateway } }), 'FAILED_PRECONDITION', 'integration.not_a_provider', /not a provider/);
      expectError(await gql(PRICE, { input: { interfaceId: ids.disabled } }), 'FAILED_PRECONDITION', 'integration.interface_disabled', /disabled/);
    });

    it('plugin failures: target down → provider_unavailable, a refusal → provider_refused, with the plugin message', async () => {
      expectError(await gql(PRICE, { input: { interfaceId: ids.down, cpuCores: 1 } }), 'SERVICE_UNAVAILABLE', 'integration.provider_unavailable', /network_error/);
      target.on('POST', '/v1/quotes', { status: 503, body: { error: { code: 'maintenance', message: 'back soon' } } });
      expectError(await gql(PRICE, { input: { interfaceId: ids.reseller, cpuCores: 1 } }), 'SERVICE_UNAVAILABLE', 'integration.provider_unavailable', /provider_5xx/);
      target.on('POST', '/v1/quotes', { status: 422, body: { error: { code: 'bad_spec', message: 'no such region' } } });
      expectError(await gql(PRICE, { input: { interfaceId: ids.reseller, cpuCores: 1 } }), 'PLUGIN_FAILED', 'integration.provider_refused', /no such region/);
    });
  });

  describe('syncProducts (SyncProducts)', () => {
    it('creates, then updates (any authenticated user)', async () => {
      target.on('GET', '/v1/products', { body: { products: [{ id: 'small', name: 'Small', price: '5.00' }, { id: 'large', name: 'Large' }] } });
      const first = (await data(SYNC_PRODUCTS, { id: ids.reseller }, app.tokens.user)).syncProducts;
      expect([first.createdCount, first.updatedCount]).toEqual([2, 0]);
      expect(first.products.map((p: any) => [p.externalId, p.name, p.created])).toEqual([
        ['small', 'Small', true],
        ['large', 'Large', true],
      ]);
      target.reset();
      target.on('GET', '/v1/products', { body: { products: [{ id: 'small', name: 'Small v2' }, { id: 'tiny', name: 'Tiny' }] } });
      const second = (await data(SYNC_PRODUCTS, { id: ids.reseller })).syncProducts;
      expect([second.createdCount, second.updatedCount]).toEqual([1, 1]);
      expect(second.products[0]).toEqual({ productId: first.products[0].productId, externalId: 'small', name: 'Small v2', created: false });
    });

    it('syncs the profiles of an Incus server as products', async () => {
      incus.profiles = [
        { name: 'plan-small', description: 'Small plan', config: { 'limits.cpu': '2', 'limits.memory': '4GiB' }, devices: { root: { type: 'disk', path: '/', size: '20GiB' } } },
        { name: 'default', config: {}, devices: {} },
      ];
      const synced = (await data(SYNC_PRODUCTS, { id: ids.incus })).syncProducts;
      expect(synced.products.map((p: any) => [p.externalId, p.name, p.created])).toEqual([['plan-small', 'small', true]]);
      expect(incus.requests.every((r) => r.authorization === `Bearer ${INCUS_TOKEN}`)).toBe(true);
    });

    it('errors: invalid id, non-provider, target down, a refused key', async () => {
      expectError(await gql(SYNC_PRODUCTS, { id: 'nope' }), 'BAD_USER_INPUT', 'common.validation_failed', /interface_id/);
      expectError(await gql(SYNC_PRODUCTS, { id: ids.gateway }), 'FAILED_PRECONDITION', 'integration.not_a_provider');
      expectError(await gql(SYNC_PRODUCTS, { id: ids.down }), 'SERVICE_UNAVAILABLE', 'integration.provider_unavailable');
      target.on('GET', '/v1/products', { status: 401, body: { error: { code: 'unauthorized', message: 'bad key' } } });
      expectError(await gql(SYNC_PRODUCTS, { id: ids.reseller }), 'PLUGIN_FAILED', 'integration.provider_refused', /provider_auth_failed/);
    });
  });

  describe('createUpstreamInstance (CreateUpstreamInstance)', () => {
    const orders = () => requestsTo('POST', '/v1/instances');
    const instance = { id: 'srv-9', status: 'PROVISIONING', ip_address: '198.51.100.9' };

    it('orders from extraSpecs alone (any user); the derived idempotency key is the one gRPC derives for the same caller and spec', async () => {
      target.on('POST', '/v1/instances', { status: 201, body: instance });
      const input = { interfaceId: ids.reseller, serverSpec: { extraSpecs: { cpu_cores: '2', memory_gb: '4', disk_gb: '50', region: 'fra1', os: 'debian-12' } } };
      expect((await data(ORDER, { input }, app.tokens.user)).createUpstreamInstance).toEqual({ providerInstanceId: 'srv-9', status: 'provisioning', ipAddress: '198.51.100.9' });
      expect(orders()[0].json).toMatchObject({ spec: { cpu_cores: 2, memory_gb: 4, disk_gb: 50, bandwidth_mbps: 0, region: 'fra1', os: 'debian-12' } });
      const key = orders()[0].headers['idempotency-key'];
      expect(key).toMatch(/^order-[0-9a-f]{32}$/);
      // The typed form of the same spec, and the same order over gRPC: the same key.
      await data(ORDER, { input: { interfaceId: ids.reseller, serverSpec: { cpuCores: 2, memoryGb: 4, diskGb: 50, region: 'fra1', os: 'debian-12' } } }, app.tokens.user);
      const overGrpc = await client.call(
        'IntegrationService',
        'CreateUpstreamInstance',
        { interface_id: ids.reseller, server_spec: { cpu_cores: 2, memory_gb: 4, disk_gb: 50, region: 'fra1', os: 'debian-12' } },
        app.tokens.user,
      );
      expect(overGrpc.error).toBeUndefined();
      expect(orders().map((o) => o.headers['idempotency-key'])).toEqual([key, key, key]);
      // Another caller with the same spec is another order.
      await data(ORDER, { input }, app.tokens.admin);
      expect(orders()[3].headers['idempotency-key']).not.toBe(key);
    });

    it('an idempotencyKey argument is passed through as the gRPC metadata is; a malformed one is BAD_USER_INPUT and orders nothing', async () => {
      target.on('POST', '/v1/instances', { status: 201, body: instance });
      const input = { interfaceId: ids.reseller, serverSpec: { cpuCores: 1 } };
      await data(ORDER, { input, key: 'rb-order-42' }, app.tokens.user);
      expect(orders()[0].headers['idempotency-key']).toBe(`order-${scoped('rb-order-42')}`);
      for (const bad of ['has space', 'x'.repeat(101), 'ünïcode']) {
        expectError(await gql(ORDER, { input, key: bad }, app.tokens.user), 'BAD_USER_INPUT', 'common.validation_failed', /idempotency-key/);
      }
      expect(orders()).toHaveLength(1);
    });

    it('bad spec values name the field; errors are the same codes as over gRPC', async () => {
      const bad = await gql(ORDER, { input: { interfaceId: ids.reseller, serverSpec: { extraSpecs: { disk_gb: 'lots' } } } });
      expectError(bad, 'BAD_USER_INPUT', 'common.validation_failed', /server_spec\.extra_specs\.disk_gb/);
      expect(violationFields(bad)).toEqual(['server_spec.extra_specs.disk_gb']);
      expectError(await gql(ORDER, { input: { interfaceId: ids.reseller, serverSpec: { memoryGb: 4294967296 } } }), 'BAD_USER_INPUT', 'common.validation_failed', /serverSpec\.memoryGb/);
      expectError(await gql(ORDER, { input: { interfaceId: 'x', serverSpec: {} } }), 'BAD_USER_INPUT', 'common.validation_failed', /interface_id/);
      expectError(await gql(ORDER, { input: { interfaceId: ids.gateway, serverSpec: {} } }), 'FAILED_PRECONDITION', 'integration.not_a_provider');
      expectError(await gql(ORDER, { input: { interfaceId: ids.disabled, serverSpec: {} } }), 'FAILED_PRECONDITION', 'integration.interface_disabled');
      expectError(await gql(ORDER, { input: { interfaceId: ids.down, serverSpec: { cpuCores: 1 } } }), 'SERVICE_UNAVAILABLE', 'integration.provider_unavailable');
      target.on('POST', '/v1/instances', { status: 402, body: { error: { code: 'insufficient_funds', message: 'top up' } } });
      expectError(await gql(ORDER, { input: { interfaceId: ids.reseller, serverSpec: { cpuCores: 1 } } }), 'PLUGIN_FAILED', 'integration.provider_refused', /top up/);
      expect(orders()).toHaveLength(1);
    });
  });

  describe('createUpstreamInstance against the incus provider and a fake Incus API', () => {
    const order = (key?: string, spec: Record<string, unknown> = { cpuCores: 2, memoryGb: 4, diskGb: 20 }, token = app.tokens.user) =>
      data(ORDER, { input: { interfaceId: ids.incus, serverSpec: spec }, key }, token);
    const localInstances = async () => app.running.app.get((await import('../../src/modules/integration/instance.repository.js')).InstanceRepository).count(ids.incus);
    const localInstancesNamed = async (name: string) =>
      (await app.running.app.get((await import('typeorm')).DataSource).query<{ n: number }[]>('SELECT count(*)::int AS n FROM instances WHERE provider_instance_id = $1', [name]))[0].n;

    it('creates one Incus instance named after the key, running with its address', async () => {
      const before = await localInstances();
      const first = (await order('rb-order-7')).createUpstreamInstance;
      expect(first).toEqual({ providerInstanceId: `sb-${scoped('rb-order-7')}`, status: 'running', ipAddress: expect.stringMatching(/^10\.99\./) });
      const created = incus.instances.get(`shop/sb-${scoped('rb-order-7')}`)!;
      expect(created.request).toMatchObject({
        name: `sb-${scoped('rb-order-7')}`,
        start: true,
        source: { type: 'image', alias: 'debian/12' },
        config: { 'limits.cpu': '2', 'limits.memory': '4GiB', 'user.switchboard.order_id': scoped('rb-order-7') },
        devices: { root: { type: 'disk', path: '/', size: '20GiB' } },
      });
      expect(first.ipAddress).toBe(created.ipv4);
      expect(await localInstances()).toBe(before + 1);
    });

    it('a retried order with the same idempotency key does not create a second instance upstream, over either transport', async () => {
      const before = await localInstances();
      const first = (await order('rb-order-8')).createUpstreamInstance;
      const retried = (await order('rb-order-8')).createUpstreamInstance;
      const overGrpc = await client.call(
        'IntegrationService',
        'CreateUpstreamInstance',
        { interface_id: ids.incus, server_spec: { cpu_cores: 2, memory_gb: 4, disk_gb: 20 } },
        app.tokens.user,
        { 'idempotency-key': 'rb-order-8' },
      );
      expect(retried).toEqual(first);
      expect(overGrpc.response).toEqual({ provider_instance_id: first.providerInstanceId, status: first.status, ip_address: first.ipAddress });
      // Three orders reached Incus; the two retries were refused as existing (409) and answered from its state.
      expect(incus.createRequests).toHaveLength(3);
      expect([...incus.instances.keys()]).toEqual([`shop/sb-${scoped('rb-order-8')}`]);
      expect(await localInstances()).toBe(before + 1);
    });

    it('retries racing each other still make one instance', async () => {
      const answers = await Promise.all([order('rb-order-9'), order('rb-order-9'), order('rb-order-9')]);
      expect(new Set(answers.map((a) => a.createUpstreamInstance.providerInstanceId))).toEqual(new Set([`sb-${scoped('rb-order-9')}`]));
      expect(incus.instances.size).toBe(1);
    });

    it("another caller sending the same key orders its own instance and never gets the first caller's back", async () => {
      const mine = (await order('rb-order-12')).createUpstreamInstance;
      const mallory = await app.tokens.sign({ sub: 'mallory', role: 'user' });
      const theirs = (await order('rb-order-12', undefined, mallory)).createUpstreamInstance;
      expect(mine.providerInstanceId).toBe(`sb-${scoped('rb-order-12')}`);
      expect(theirs.providerInstanceId).toBe(`sb-${scoped('rb-order-12', 'mallory')}`);
      expect(theirs.ipAddress).not.toBe(mine.ipAddress);
      expect(incus.instances.size).toBe(2);
    });

    it('an existing Incus instance of the same name but another order is refused, never adopted', async () => {
      const name = `sb-${scoped('rb-order-13')}`;
      incus.instances.set(`shop/${name}`, {
        project: 'shop',
        name,
        type: 'container',
        status: 'Running',
        ipv4: '10.99.9.9',
        request: { name, config: { 'user.switchboard.order_id': 'someone-elses-order' } },
        createdAt: new Date().toISOString(),
      });
      expectError(await gql(ORDER, { input: { interfaceId: ids.incus, serverSpec: { cpuCores: 2, memoryGb: 4, diskGb: 20 } }, key: 'rb-order-13' }, app.tokens.user), 'PLUGIN_FAILED', 'integration.provider_refused', /instance_name_taken/);
      expect(await localInstancesNamed(name)).toBe(0);
    });

    it('without a key, the same caller and spec is the same instance; another key or spec is another one', async () => {
      const a = (await order()).createUpstreamInstance;
      const again = (await order(undefined, { extraSpecs: { cpu_cores: '2', memory_gb: '4', disk_gb: '20' } })).createUpstreamInstance;
      expect(again.providerInstanceId).toBe(a.providerInstanceId);
      expect(a.providerInstanceId).toMatch(/^sb-[0-9a-f]{32}$/);
      expect(incus.instances.size).toBe(1);
      await order('rb-order-10');
      await order(undefined, { cpuCores: 3, memoryGb: 4, diskGb: 20 });
      expect(incus.instances.size).toBe(3);
    });

    it("a spec outside the provider's limits is the provider's refusal, and creates nothing", async () => {
      expectError(
        await gql(ORDER, { input: { interfaceId: ids.incus, serverSpec: { cpuCores: 0, memoryGb: 4, diskGb: 20 } } }),
        'PLUGIN_FAILED',
        'integration.provider_refused',
        /cpu_cores must be between 1 and 64/,
      );
      expect(incus.createRequests).toHaveLength(0);
    });

    it('instanceStatus reads the instance back; a first-party provider has no upstream listing or balance', async () => {
      const { providerInstanceId, ipAddress } = (await order('rb-order-11')).createUpstreamInstance;
      expect((await data(STATUS, { id: ids.incus, instance: providerInstanceId })).instanceStatus).toEqual({ status: 'running', ipAddress });
      expect((await data(STATUS, { id: ids.incus, instance: 'sb-nope' })).instanceStatus).toEqual({ status: 'not_found', ipAddress: null });
      expectError(await gql(LIST, { id: ids.incus }), 'FAILED_PRECONDITION', 'integration.not_upstream', /first-party/);
      expectError(await gql(BALANCE, { id: ids.incus }), 'FAILED_PRECONDITION', 'integration.not_upstream', /first-party/);
      expectError(await gql(IMPORT, { id: ids.incus, instance: providerInstanceId }), 'FAILED_PRECONDITION', 'integration.not_upstream');
    });
  });

  describe('instanceStatus (GetInstanceStatus)', () => {
    it('answers the upstream status and address', async () => {
      target.on('GET', '/v1/instances/srv-1', { body: { id: 'srv-1', status: 'RUNNING', ip_address: '203.0.113.7' } });
      expect((await data(STATUS, { id: ids.reseller, instance: 'srv-1' })).instanceStatus).toEqual({ status: 'running', ipAddress: '203.0.113.7' });
      target.on('GET', '/v1/instances/srv-2', { status: 404, body: { error: { code: 'not_found', message: 'no' } } });
      expect((await data(STATUS, { id: ids.reseller, instance: 'srv-2' })).instanceStatus).toEqual({ status: 'not_found', ipAddress: null });
    });

    it('an empty instanceId is BAD_USER_INPUT naming instance_id; a non-provider is FAILED_PRECONDITION', async () => {
      const res = await gql(STATUS, { id: ids.reseller, instance: '' });
      expectError(res, 'BAD_USER_INPUT', 'common.validation_failed', /instance_id/);
      expect(violationFields(res)).toEqual(['instance_id']);
      expectError(await gql(STATUS, { id: ids.gateway, instance: 'srv-1' }), 'FAILED_PRECONDITION', 'integration.not_a_provider');
    });
  });

  describe('upstreamInstances (SyncUpstreamInstances) and importUpstreamInstance (ImportUpstreamInstance)', () => {
    it('lists the upstream instances across pages', async () => {
      target.on('GET', '/v1/instances', (r: RecordedRequest) =>
        r.path.endsWith('page=1')
          ? { body: { instances: [{ id: 'a', status: 'running', ip_address: '203.0.113.1', created_at: '2026-01-01T00:00:00Z' }], next_page: 2 } }
          : { body: { instances: [{ id: 'b', status: 'STOPPED' }] } },
      );
      expect((await data(LIST, { id: ids.reseller })).upstreamInstances).toEqual([
        { instanceId: 'a', status: 'running', ipAddress: '203.0.113.1', createdAt: '2026-01-01T00:00:00Z' },
        { instanceId: 'b', status: 'stopped', ipAddress: null, createdAt: null },
      ]);
    });

    it('importing twice answers the same local instance, with the fresh status; gRPC answers the same id', async () => {
      target.on('GET', '/v1/instances/imp-9', { body: { id: 'imp-9', status: 'running', ip_address: '203.0.113.5' } });
      const first = (await data(IMPORT, { id: ids.reseller, instance: 'imp-9' })).importUpstreamInstance;
      expect(first).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'running', ipAddress: '203.0.113.5' });
      target.on('GET', '/v1/instances/imp-9', { body: { id: 'imp-9', status: 'stopped' } });
      expect((await data(IMPORT, { id: ids.reseller, instance: 'imp-9' })).importUpstreamInstance).toEqual({ id: first.id, status: 'stopped', ipAddress: null });
      const overGrpc = await client.call('IntegrationService', 'ImportUpstreamInstance', { interface_id: ids.reseller, instance_id: 'imp-9' }, app.tokens.admin);
      expect(overGrpc.response).toMatchObject({ instance_id: first.id });
    });

    it('errors: unknown upstream instance, bad input, disabled, target down', async () => {
      target.on('GET', '/v1/instances/gone', { status: 404, body: { error: { code: 'not_found', message: 'no' } } });
      expectError(await gql(IMPORT, { id: ids.reseller, instance: 'gone' }), 'NOT_FOUND', 'integration.instance_not_found');
      expectError(await gql(IMPORT, { id: ids.reseller, instance: '' }), 'BAD_USER_INPUT', 'common.validation_failed', /instance_id/);
      expectError(await gql(LIST, { id: ids.disabled }), 'FAILED_PRECONDITION', 'integration.interface_disabled');
      expectError(await gql(LIST, { id: ids.down }), 'SERVICE_UNAVAILABLE', 'integration.provider_unavailable');
      expectError(await gql(LIST, { id: 'zzz' }), 'BAD_USER_INPUT', 'common.validation_failed', /interface_id/);
    });
  });

  describe('upstreamBalance (GetUpstreamBalance)', () => {
    it('answers the balance as a decimal string', async () => {
      target.on('GET', '/v1/account/balance', { body: { balance: '103.25', currency: 'EUR' } });
      expect((await data(BALANCE, { id: ids.reseller })).upstreamBalance).toEqual({ balance: '103.25', currency: 'EUR' });
    });

    it('a non-provider is FAILED_PRECONDITION; a target down is provider_unavailable', async () => {
      expectError(await gql(BALANCE, { id: ids.gateway }), 'FAILED_PRECONDITION', 'integration.not_a_provider');
      expectError(await gql(BALANCE, { id: ids.down }), 'SERVICE_UNAVAILABLE', 'integration.provider_unavailable');
    });
  });

  describe('auth matrix: every GraphQL provider operation × caller (access as seed 001)', () => {
    describeGraphqlAuthMatrix(
      [
        { name: 'syncProducts', access: 'authenticated', query: `mutation { syncProducts(interfaceId: "${MISSING}") { createdCount } }` },
        { name: 'priceQuote', access: 'authenticated', query: `{ priceQuote(input: { interfaceId: "${MISSING}", cpuCores: 2 }) { amount } }` },
        {
          name: 'createUpstreamInstance',
          access: 'authenticated',
          query: `mutation { createUpstreamInstance(input: { interfaceId: "${MISSING}", serverSpec: { cpuCores: 2 } }, idempotencyKey: "k-1") { providerInstanceId } }`,
        },
        { name: 'instanceStatus', access: 'admin', query: `{ instanceStatus(interfaceId: "${MISSING}", instanceId: "i-1") { status } }` },
        { name: 'upstreamInstances', access: 'admin', query: `{ upstreamInstances(interfaceId: "${MISSING}") { instanceId } }` },
        { name: 'importUpstreamInstance', access: 'admin', query: `mutation { importUpstreamInstance(interfaceId: "${MISSING}", instanceId: "i-1") { id } }` },
        { name: 'upstreamBalance', access: 'admin', query: `{ upstreamBalance(interfaceId: "${MISSING}") { balance } }` },
      ],
      () => ({ app }),
      // Allowed through: the service answers, here NOT_FOUND for an interface that does not exist.
      (_op, result) => expect(result.body.errors?.[0].extensions?.errorCode).toBe('integration.interface_not_found'),
    );
  });

  it('the server answers after all of it', async () => {
    expect((await data('{ serverInfo { name } }', {}, null)).serverInfo.name).toBe('switchboard');
  });
});
