import * as grpc from '@grpc/grpc-js';
import { closedPort } from '../support/fake-servers/closed-port.js';
import { HttpTarget, type RecordedRequest } from '../support/fake-servers/http-target.js';
import { errorCodeOf, GrpcTestClient, type GrpcResult } from '../support/grpc-client.js';
import { graphql } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { callerScopedKey } from '../../src/modules/integration/provider.service.js';

/** A key as the plugin gets it from test-user: scoped to the caller. */
const scoped = (key: string, sub = 'test-user') => callerScopedKey(key, sub);

/**
 * Provider operations of IntegrationService over the real gRPC client, against the
 * built-in reseller and incus providers talking to a local fake upstream.
 */
describe('IntegrationService: provider operations', () => {
  let app: TestApp;
  let client: GrpcTestClient;
  let target: HttpTarget;
  let refusedPort: number;
  const defs: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const API_KEY = 'rk_live_0e9d8c7b6a5f';
  const MISSING = '00000000-0000-4000-8000-000000000000';

  const call = <T = any>(method: string, request: unknown, token = app.tokens.admin): Promise<GrpcResult<T>> => client.call<T>('IntegrationService', method, request, token);
  const ok = async <T = any>(method: string, request: unknown, token?: string): Promise<T> => {
    const result = await call<T>(method, request, token);
    if (result.error) throw new Error(`${method} failed: ${result.error.code} ${result.error.details}`);
    return result.response as T;
  };
  const expectError = (result: GrpcResult, code: grpc.status, errorCode: string, detail?: RegExp) => {
    expect(result.error?.code).toBe(code);
    expect(errorCodeOf(result.error)).toBe(errorCode);
    if (detail) expect(result.error?.details).toMatch(detail);
  };
  const create = async (plugin: string, display_name: string, config: Record<string, unknown>): Promise<string> =>
    (await ok<{ interface: { id: string } }>('CreatePluginInterface', { plugin_def_id: defs[plugin], display_name, config_json: JSON.stringify(config) })).interface.id;
  const quotes = () => target.requests.filter((r: RecordedRequest) => r.path === '/v1/quotes');

  beforeAll(async () => {
    target = await HttpTarget.start();
    refusedPort = await closedPort();
    app = await startTestApp({ PLUGIN_HTTP_ALLOW: `${target.hostPort},127.0.0.1:${refusedPort}`, PLUGIN_TIMEOUT_MS: '2000', PLUGIN_WORKERS: '1' });
    client = new GrpcTestClient(app.grpcAddress);
    const all = await graphql(app.httpUrl, '{ plugins { id pluginType pluginId } }', {}, app.tokens.admin);
    for (const p of all.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]) defs[`${p.pluginType}/${p.pluginId}`] = p.id;
    ids.reseller = await create('upstream_provider/reseller', 'Reseller', { api_url: target.url('/'), api_key: API_KEY });
    ids.down = await create('upstream_provider/reseller', 'Reseller down', { api_url: `http://127.0.0.1:${refusedPort}`, api_key: API_KEY });
    ids.incus = await create('first_party_provider/incus', 'Incus', {
      api_url: target.url('/'),
      token: 'incus-token-4f3e2d1c',
      image: 'debian/12',
      pricing: { per_core: '2.00', per_gb_ram: '1.00', per_gb_disk: '0.10', currency: 'USD', billing_cycle: 'monthly' },
    });
    ids.gateway = await create('gateway/bank_transfer', 'Bank', { bank_name: 'B', account_name: 'A', account_number: '123' });
    ids.disabled = await create('upstream_provider/reseller', 'Reseller off', { api_url: target.url('/'), api_key: API_KEY });
    await ok('TogglePluginInterface', { interface_id: ids.disabled, enable: false });
  });
  beforeEach(() => target.reset());
  afterAll(async () => {
    client?.close();
    await app?.close();
    await target?.close();
  });

  describe('QueryPrice', () => {
    it('passes the typed spec to the upstream and answers its quote (any authenticated user)', async () => {
      target.on('POST', '/v1/quotes', { body: { amount: '12.50', currency: 'EUR', billing_cycle: 'monthly' } });
      const response = await ok(
        'QueryPrice',
        { interface_id: ids.reseller, cpu_cores: 2, memory_gb: 4, disk_gb: 50, bandwidth_mbps: 100, region: 'fra1', os: 'debian-12' },
        app.tokens.user,
      );
      expect(response).toEqual({ amount: '12.50', currency: 'EUR', billing_cycle: 'monthly' });
      expect(quotes()[0].json).toMatchObject({ cpu_cores: 2, memory_gb: 4, disk_gb: 50, bandwidth_mbps: 100, region: 'fra1', os: 'debian-12' });
      expect(quotes()[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
    });

    it('prices from extra_specs alone, as RustBill\'s customer client sends it', async () => {
      target.on('POST', '/v1/quotes', { body: { amount: 7, currency: 'EUR', billing_cycle: 'monthly' } });
      const response = await ok('QueryPrice', {
        interface_id: ids.reseller,
        extra_specs: { cpu_cores: '4', memory_gb: ' 8 ', disk_gb: '80', bandwidth_mbps: '', region: 'sgp1', os: 'ubuntu-24.04', ipv6: 'yes' },
      });
      expect(response.amount).toBe('7');
      expect(quotes()[0].json).toMatchObject({ cpu_cores: 4, memory_gb: 8, disk_gb: 80, bandwidth_mbps: 0, region: 'sgp1', os: 'ubuntu-24.04' });
      expect((quotes()[0].json as { extra_specs: Record<string, string> }).extra_specs.ipv6).toBe('yes');
    });

    it('a first-party provider prices locally from either form, with the same answer', async () => {
      const typed = await ok('QueryPrice', { interface_id: ids.incus, cpu_cores: 2, memory_gb: 4, disk_gb: 10 });
      const extra = await ok('QueryPrice', { interface_id: ids.incus, extra_specs: { cpu_cores: '2', memory_gb: '4', disk_gb: '10' } });
      expect(extra).toEqual(typed);
      expect(typed.currency).toBe('USD');
      expect(Number(typed.amount)).toBeCloseTo(2 * 2 + 4 * 1 + 10 * 0.1, 6);
    });

    it('uint32 extremes reach the plugin unchanged; a typed value wins over extra_specs', async () => {
      target.on('POST', '/v1/quotes', { body: { amount: '1', currency: 'EUR', billing_cycle: 'monthly' } });
      await ok('QueryPrice', { interface_id: ids.reseller, cpu_cores: 4294967295, memory_gb: 0, extra_specs: { memory_gb: '4294967295', cpu_cores: '1' } });
      expect(quotes()[0].json).toMatchObject({ cpu_cores: 4294967295, memory_gb: 4294967295 });
    });

    it('an extra_specs value that is not a whole number in uint32 range is InvalidArgument naming the field, and calls nothing', async () => {
      for (const bad of ['two', '-1', '1.5', '4294967296', '99999999999', '0x10']) {
        const result = await call('QueryPrice', { interface_id: ids.reseller, extra_specs: { cpu_cores: bad } });
        expectError(result, grpc.status.INVALID_ARGUMENT, 'common.validation_failed', /extra_specs\.cpu_cores/);
      }
      expect(quotes()).toHaveLength(0);
    });

    it('bad interface ids: InvalidArgument, NotFound; non-provider and disabled: FailedPrecondition', async () => {
      expectError(await call('QueryPrice', { interface_id: 'not-a-uuid' }), grpc.status.INVALID_ARGUMENT, 'common.validation_failed', /interface_id/);
      expectError(await call('QueryPrice', { interface_id: '' }), grpc.status.INVALID_ARGUMENT, 'common.validation_failed', /interface_id/);
      expectError(await call('QueryPrice', { interface_id: MISSING }), grpc.status.NOT_FOUND, 'integration.interface_not_found');
      expectError(await call('QueryPrice', { interface_id: ids.gateway }), grpc.status.FAILED_PRECONDITION, 'integration.not_a_provider', /not a provider/);
      expectError(await call('QueryPrice', { interface_id: ids.disabled }), grpc.status.FAILED_PRECONDITION, 'integration.interface_disabled', /disabled/);
    });

    it('plugin failures are clean statuses: target down → Unavailable, a refusal → FailedPrecondition', async () => {
      expectError(await call('QueryPrice', { interface_id: ids.down, cpu_cores: 1 }), grpc.status.UNAVAILABLE, 'integration.provider_unavailable', /network_error/);
      target.on('POST', '/v1/quotes', { status: 503, body: { error: { code: 'maintenance', message: 'back soon' } } });
      expectError(await call('QueryPrice', { interface_id: ids.reseller, cpu_cores: 1 }), grpc.status.UNAVAILABLE, 'integration.provider_unavailable', /provider_5xx/);
      target.on('POST', '/v1/quotes', { status: 422, body: { error: { code: 'bad_spec', message: 'no such region' } } });
      expectError(await call('QueryPrice', { interface_id: ids.reseller, cpu_cores: 1 }), grpc.status.FAILED_PRECONDITION, 'integration.provider_refused', /no such region/);
      target.on('POST', '/v1/quotes', { status: 200, body: { amount: '1', currency: 'EUR' }, delayMs: 5_000 });
      expectError(await call('QueryPrice', { interface_id: ids.reseller, cpu_cores: 1 }), grpc.status.UNAVAILABLE, 'integration.provider_unavailable');
    });
  });

  describe('SyncProducts', () => {
    it('creates, then updates, and marks products no longer listed unavailable', async () => {
      target.on('GET', '/v1/products', {
        body: {
          products: [
            { id: 'small', name: 'Small', price: '5.00', currency: 'EUR', billing_cycle: 'monthly', specs: { cpu_cores: 1 } },
            { id: 'large', name: 'Large', price: '20.00', currency: 'EUR' },
          ],
        },
      });
      const first = await ok('SyncProducts', { interface_id: ids.reseller }, app.tokens.user);
      expect(first.created_count).toBe(2);
      expect(first.updated_count).toBe(0);
      expect(first.products.map((p: { external_id: string; created: boolean }) => [p.external_id, p.created])).toEqual([
        ['small', true],
        ['large', true],
      ]);
      const smallId = first.products[0].product_id as string;
      expect(smallId).toMatch(/^[0-9a-f-]{36}$/);

      target.reset();
      target.on('GET', '/v1/products', { body: { products: [{ id: 'small', name: 'Small v2', price: '6.00' }, { id: 'tiny', name: 'Tiny' }] } });
      const second = await ok('SyncProducts', { interface_id: ids.reseller });
      expect(second.created_count).toBe(1);
      expect(second.updated_count).toBe(1);
      expect(second.products).toEqual([
        { product_id: smallId, external_id: 'small', name: 'Small v2', created: false },
        { product_id: expect.any(String), external_id: 'tiny', name: 'Tiny', created: true },
      ]);
      const rows = await app.running.app.get((await import('../../src/modules/integration/product.repository.js')).ProductRepository).listByInterface(ids.reseller);
      expect(rows.map((r) => [r.externalId, r.name, r.available, r.price])).toEqual([
        ['large', 'Large', false, '20.00'],
        ['small', 'Small v2', true, '6.00'],
        ['tiny', 'Tiny', true, null],
      ]);

      // Listed again: available again, and counted as updated.
      target.reset();
      target.on('GET', '/v1/products', { body: { products: [{ id: 'large', name: 'Large' }] } });
      const third = await ok('SyncProducts', { interface_id: ids.reseller });
      expect([third.created_count, third.updated_count]).toEqual([0, 1]);
    });

    it('keys products per interface: the same key on another interface is a different product', async () => {
      target.on('GET', '/v1/products', { body: { products: [{ id: 'small', name: 'Other small' }] } });
      const other = await create('upstream_provider/reseller', 'Reseller two', { api_url: target.url('/'), api_key: API_KEY });
      const synced = await ok('SyncProducts', { interface_id: other });
      expect(synced.created_count).toBe(1);
    });

    it('errors: invalid id, non-provider, target down', async () => {
      expectError(await call('SyncProducts', { interface_id: 'nope' }), grpc.status.INVALID_ARGUMENT, 'common.validation_failed', /interface_id/);
      expectError(await call('SyncProducts', { interface_id: ids.gateway }), grpc.status.FAILED_PRECONDITION, 'integration.not_a_provider');
      expectError(await call('SyncProducts', { interface_id: ids.down }), grpc.status.UNAVAILABLE, 'integration.provider_unavailable');
      target.on('GET', '/v1/products', { status: 401, body: { error: { code: 'unauthorized', message: 'bad key' } } });
      expectError(await call('SyncProducts', { interface_id: ids.reseller }), grpc.status.FAILED_PRECONDITION, 'integration.provider_refused', /provider_auth_failed/);
    });
  });

  describe('GetInstanceStatus', () => {
    it('answers the upstream status and ip (admin)', async () => {
      target.on('GET', '/v1/instances/srv-1', { body: { id: 'srv-1', status: 'RUNNING', ip_address: '203.0.113.7' } });
      expect(await ok('GetInstanceStatus', { interface_id: ids.reseller, instance_id: 'srv-1' })).toEqual({ status: 'running', ip_address: '203.0.113.7' });
      target.on('GET', '/v1/instances/srv-2', { status: 404, body: { error: { code: 'not_found', message: 'no' } } });
      expect(await ok('GetInstanceStatus', { interface_id: ids.reseller, instance_id: 'srv-2' })).toEqual({ status: 'not_found', ip_address: '' });
    });

    it('requires instance_id; users are refused', async () => {
      expectError(await call('GetInstanceStatus', { interface_id: ids.reseller, instance_id: '' }), grpc.status.INVALID_ARGUMENT, 'common.validation_failed', /instance_id/);
      const user = await call('GetInstanceStatus', { interface_id: ids.reseller, instance_id: 'srv-1' }, app.tokens.user);
      expect(user.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    });
  });

  describe('GetUpstreamBalance', () => {
    it('answers the upstream balance', async () => {
      target.on('GET', '/v1/account/balance', { body: { balance: '103.25', currency: 'EUR' } });
      expect(await ok('GetUpstreamBalance', { interface_id: ids.reseller })).toEqual({ balance: '103.25', currency: 'EUR' });
    });

    it('a first-party provider is FailedPrecondition; a target down is Unavailable', async () => {
      expectError(await call('GetUpstreamBalance', { interface_id: ids.incus }), grpc.status.FAILED_PRECONDITION, 'integration.not_upstream', /first-party/);
      expectError(await call('GetUpstreamBalance', { interface_id: ids.down }), grpc.status.UNAVAILABLE, 'integration.provider_unavailable');
      expectError(await call('GetUpstreamBalance', { interface_id: ids.gateway }), grpc.status.FAILED_PRECONDITION, 'integration.not_a_provider');
    });
  });

  describe('CreateUpstreamInstance', () => {
    const orders = () => target.requests.filter((r: RecordedRequest) => r.method === 'POST' && r.path === '/v1/instances');
    const instance = { id: 'srv-9', status: 'PROVISIONING', ip_address: '198.51.100.9' };

    it('orders from extra_specs alone (any user) and a retry sends the same idempotency key', async () => {
      target.on('POST', '/v1/instances', { status: 201, body: instance });
      const order = { interface_id: ids.reseller, server_spec: { extra_specs: { cpu_cores: '2', memory_gb: '4', disk_gb: '50', region: 'fra1', os: 'debian-12' } } };
      expect(await ok('CreateUpstreamInstance', order, app.tokens.user)).toEqual({ provider_instance_id: 'srv-9', status: 'provisioning', ip_address: '198.51.100.9' });
      await ok('CreateUpstreamInstance', order, app.tokens.user);
      expect(orders()).toHaveLength(2);
      expect(orders()[0].json).toMatchObject({ spec: { cpu_cores: 2, memory_gb: 4, disk_gb: 50, bandwidth_mbps: 0, region: 'fra1', os: 'debian-12' } });
      const key = orders()[0].headers['idempotency-key'];
      expect(key).toMatch(/^order-[0-9a-f]{32}$/);
      expect(orders()[1].headers['idempotency-key']).toBe(key);
      // The typed form of the same spec is the same order.
      await ok('CreateUpstreamInstance', { interface_id: ids.reseller, server_spec: { cpu_cores: 2, memory_gb: 4, disk_gb: 50, region: 'fra1', os: 'debian-12' } }, app.tokens.user);
      expect(orders()[2].headers['idempotency-key']).toBe(key);
      // Another spec is another order.
      await ok('CreateUpstreamInstance', { interface_id: ids.reseller, server_spec: { cpu_cores: 3 } }, app.tokens.user);
      expect(orders()[3].headers['idempotency-key']).not.toBe(key);
    });

    it('a caller-supplied idempotency-key metadata is passed through; a malformed one is InvalidArgument', async () => {
      target.on('POST', '/v1/instances', { status: 201, body: instance });
      const order = { interface_id: ids.reseller, server_spec: { cpu_cores: 1 } };
      await client.call('IntegrationService', 'CreateUpstreamInstance', order, app.tokens.user, { 'idempotency-key': 'rb-order-42' });
      expect(orders()[0].headers['idempotency-key']).toBe(`order-${scoped('rb-order-42')}`);
      const bad = await client.call('IntegrationService', 'CreateUpstreamInstance', order, app.tokens.user, { 'idempotency-key': 'has space' });
      expectError(bad, grpc.status.INVALID_ARGUMENT, 'common.validation_failed', /idempotency-key/);
      expect(orders()).toHaveLength(1);
    });

    it('bad spec values name the field; errors are clean statuses', async () => {
      const bad = await call('CreateUpstreamInstance', { interface_id: ids.reseller, server_spec: { extra_specs: { disk_gb: 'lots' } } });
      expectError(bad, grpc.status.INVALID_ARGUMENT, 'common.validation_failed', /server_spec\.extra_specs\.disk_gb/);
      expectError(await call('CreateUpstreamInstance', { interface_id: 'x', server_spec: {} }), grpc.status.INVALID_ARGUMENT, 'common.validation_failed', /interface_id/);
      expectError(await call('CreateUpstreamInstance', { interface_id: ids.gateway, server_spec: {} }), grpc.status.FAILED_PRECONDITION, 'integration.not_a_provider');
      expectError(await call('CreateUpstreamInstance', { interface_id: ids.down, server_spec: { cpu_cores: 1 } }), grpc.status.UNAVAILABLE, 'integration.provider_unavailable');
      target.on('POST', '/v1/instances', { status: 402, body: { error: { code: 'insufficient_funds', message: 'top up' } } });
      expectError(await call('CreateUpstreamInstance', { interface_id: ids.reseller, server_spec: { cpu_cores: 1 } }), grpc.status.FAILED_PRECONDITION, 'integration.provider_refused', /top up/);
      expect(orders()).toHaveLength(1);
    });
  });

  describe('SyncUpstreamInstances and ImportUpstreamInstance', () => {
    it('lists the upstream instances across pages', async () => {
      target.on('GET', '/v1/instances', (r: RecordedRequest) =>
        r.path.endsWith('page=1')
          ? { body: { instances: [{ id: 'a', status: 'running', ip_address: '203.0.113.1', created_at: '2026-01-01T00:00:00Z' }], next_page: 2 } }
          : { body: { instances: [{ id: 'b', status: 'STOPPED' }] } },
      );
      expect(await ok('SyncUpstreamInstances', { interface_id: ids.reseller })).toEqual({
        instances: [
          { instance_id: 'a', status: 'running', ip_address: '203.0.113.1', created_at: '2026-01-01T00:00:00Z' },
          { instance_id: 'b', status: 'stopped', ip_address: '', created_at: '' },
        ],
      });
    });

    it('importing twice answers the same local instance, with the fresh status', async () => {
      target.on('GET', '/v1/instances/imp-1', { body: { id: 'imp-1', status: 'running', ip_address: '203.0.113.5' } });
      const first = await ok('ImportUpstreamInstance', { interface_id: ids.reseller, instance_id: 'imp-1' });
      expect(first).toEqual({ instance_id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'running', ip_address: '203.0.113.5' });
      target.on('GET', '/v1/instances/imp-1', { body: { id: 'imp-1', status: 'stopped' } });
      const second = await ok('ImportUpstreamInstance', { interface_id: ids.reseller, instance_id: 'imp-1' });
      expect(second).toEqual({ instance_id: first.instance_id, status: 'stopped', ip_address: '' });
    });

    it('an instance ordered here and then imported is the same local instance', async () => {
      target.on('POST', '/v1/instances', { status: 201, body: { id: 'ord-1', status: 'running' } });
      target.on('GET', '/v1/instances/ord-1', { body: { id: 'ord-1', status: 'running' } });
      await ok('CreateUpstreamInstance', { interface_id: ids.reseller, server_spec: { cpu_cores: 7 } });
      const repo = app.running.app.get((await import('../../src/modules/integration/instance.repository.js')).InstanceRepository);
      const before = await repo.count(ids.reseller);
      await ok('ImportUpstreamInstance', { interface_id: ids.reseller, instance_id: 'ord-1' });
      expect(await repo.count(ids.reseller)).toBe(before);
    });

    it('errors: unknown upstream instance, first-party, users, bad input, target down', async () => {
      target.on('GET', '/v1/instances/gone', { status: 404, body: { error: { code: 'not_found', message: 'no' } } });
      expectError(await call('ImportUpstreamInstance', { interface_id: ids.reseller, instance_id: 'gone' }), grpc.status.NOT_FOUND, 'integration.instance_not_found');
      expectError(await call('ImportUpstreamInstance', { interface_id: ids.reseller, instance_id: '' }), grpc.status.INVALID_ARGUMENT, 'common.validation_failed', /instance_id/);
      expectError(await call('ImportUpstreamInstance', { interface_id: ids.incus, instance_id: 'x' }), grpc.status.FAILED_PRECONDITION, 'integration.not_upstream');
      expectError(await call('SyncUpstreamInstances', { interface_id: ids.incus }), grpc.status.FAILED_PRECONDITION, 'integration.not_upstream');
      expectError(await call('SyncUpstreamInstances', { interface_id: ids.disabled }), grpc.status.FAILED_PRECONDITION, 'integration.interface_disabled');
      expectError(await call('SyncUpstreamInstances', { interface_id: ids.down }), grpc.status.UNAVAILABLE, 'integration.provider_unavailable');
      expectError(await call('SyncUpstreamInstances', { interface_id: 'zzz' }), grpc.status.INVALID_ARGUMENT, 'common.validation_failed');
      expect((await call('SyncUpstreamInstances', { interface_id: ids.reseller }, app.tokens.user)).error?.code).toBe(grpc.status.PERMISSION_DENIED);
      expect((await call('ImportUpstreamInstance', { interface_id: ids.reseller, instance_id: 'a' }, app.tokens.user)).error?.code).toBe(grpc.status.PERMISSION_DENIED);
    });
  });
});
