import { closedPort } from '../support/fake-servers/closed-port.js';
import { HttpTarget, type RecordedRequest } from '../support/fake-servers/http-target.js';
import { loadPlugin, type PluginHarness } from '../support/plugin-harness.js';

/** plugins/upstream_provider/reseller.js against a local implementation of the reseller API v1 (docs/builtin-plugins.md). */
describe('upstream_provider/reseller', () => {
  let target: HttpTarget;
  let plugin: PluginHarness;
  let refusedPort: number;
  const apiKey = 'rk_live_5b1f0e2d';
  const config = (overrides: Record<string, unknown> = {}) => ({ api_url: target.url('/'), api_key: apiKey, ...overrides });
  const spec = { cpu_cores: 2, memory_gb: 4, disk_gb: 50, bandwidth_mbps: 100, region: 'fra1', os: 'debian-12', extra_specs: { ipv6: 'yes' } };
  const pathOf = (request: RecordedRequest) => new URL(request.path, 'http://x').pathname;

  beforeAll(async () => {
    target = await HttpTarget.start();
    refusedPort = await closedPort();
    plugin = await loadPlugin('upstream_provider/reseller.js', { allow: [target.hostPort, `127.0.0.1:${refusedPort}`] });
  });
  beforeEach(() => target.reset());
  afterAll(async () => {
    await plugin?.close();
    await target?.close();
  });

  it('every call sends the API key as a bearer token and asks for JSON', async () => {
    target.on('GET', '/v1/ping', { body: { ok: true } });
    await plugin.call('health_check', config());
    expect(target.requests[0].headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(target.requests[0].headers.accept).toBe('application/json');
  });

  describe('health_check', () => {
    it('healthy on { ok: true } from GET /v1/ping', async () => {
      target.on('GET', '/v1/ping', { body: { ok: true } });
      expect(await plugin.call('health_check', config())).toEqual({ healthy: true });
    });

    it('unhealthy, without throwing, on a refused key, 5xx, a wrong answer and unreachable hosts', async () => {
      target.on('GET', '/v1/ping', { status: 401, body: { error: { code: 'unauthorized', message: 'bad key' } } });
      expect(await plugin.call('health_check', config())).toEqual({
        healthy: false,
        error: 'provider_auth_failed: upstream refused the API key on GET /v1/ping (HTTP 401): bad key',
      });
      target.on('GET', '/v1/ping', { status: 503, body: { error: { code: 'maintenance', message: 'back soon' } } });
      expect(await plugin.call('health_check', config())).toMatchObject({ healthy: false, error: expect.stringContaining('provider_5xx') });
      target.on('GET', '/v1/ping', { body: { ok: false } });
      expect(await plugin.call('health_check', config())).toEqual({ healthy: false, error: 'ping did not answer { "ok": true }' });
      expect(await plugin.call('health_check', config({ api_url: `http://127.0.0.1:${refusedPort}` }))).toMatchObject({
        healthy: false,
        error: expect.stringContaining('network_error'),
      });
    });
  });

  it('spec_template builds the fields from GET /v1/options', async () => {
    target.on('GET', '/v1/options', {
      body: {
        limits: { cpu_cores: { min: 1, max: 32 }, memory_gb: { min: 1, max: 128 }, disk_gb: { min: 20, max: 2000 }, bandwidth_mbps: { min: 0, max: 10000 } },
        regions: ['fra1', 'sgp1'],
        os: ['debian-12', 'ubuntu-24.04'],
      },
    });
    expect(await plugin.call('spec_template', config())).toEqual({
      fields: [
        { key: 'cpu_cores', label: 'CPU cores', field_type: 'Integer', required: true, display_order: 0, min: 1, max: 32, default_value: '1' },
        { key: 'memory_gb', label: 'Memory (GB)', field_type: 'Integer', required: true, display_order: 1, min: 1, max: 128, default_value: '1' },
        { key: 'disk_gb', label: 'Disk (GB)', field_type: 'Integer', required: true, display_order: 2, min: 20, max: 2000, default_value: '20' },
        { key: 'bandwidth_mbps', label: 'Bandwidth (Mbps)', field_type: 'Integer', required: false, display_order: 3, min: 0, max: 10000, default_value: '0' },
        { key: 'region', label: 'Region', field_type: 'Region', required: true, display_order: 4, options: ['fra1', 'sgp1'], default_value: 'fra1' },
        { key: 'os', label: 'Operating system', field_type: 'OsOptions', required: true, display_order: 5, options: ['debian-12', 'ubuntu-24.04'], default_value: 'debian-12' },
      ],
    });
  });

  it('sync_products maps GET /v1/products and skips items without id or name', async () => {
    target.on('GET', '/v1/products', {
      body: {
        products: [
          { id: 'vps-s', name: 'VPS S', description: '1 vCPU', price: '4.99', currency: 'EUR', billing_cycle: 'monthly', specs: { cpu_cores: 1 } },
          { id: 42, name: 'VPS M', price: 9.5 },
          { name: 'no id' },
        ],
      },
    });
    expect(await plugin.call('sync_products', config())).toEqual({
      products: [
        { external_id: 'vps-s', name: 'VPS S', description: '1 vCPU', price: '4.99', currency: 'EUR', billing_cycle: 'monthly', specs: { cpu_cores: 1 } },
        { external_id: '42', name: 'VPS M', price: '9.5' },
      ],
    });
  });

  it('query_price POSTs the spec to /v1/quotes', async () => {
    target.on('POST', '/v1/quotes', { body: { amount: '17.40', currency: 'EUR', billing_cycle: 'monthly' } });
    expect(await plugin.call('query_price', config(), spec)).toEqual({ amount: '17.40', currency: 'EUR', billing_cycle: 'monthly' });
    expect(target.requests[0].json).toEqual(spec);
  });

  it('create_instance POSTs /v1/instances with the order as client_reference and Idempotency-Key', async () => {
    target.on('POST', '/v1/instances', { status: 201, body: { id: 'up-9f2', status: 'PROVISIONING', created_at: '2025-06-05T09:00:00Z' } });
    expect(await plugin.call('create_instance', config(), { server_spec: spec, order_id: 'o-42', hostname: 'web1.example.com' })).toEqual({
      provider_instance_id: 'up-9f2',
      status: 'provisioning',
    });
    const request = target.requests[0];
    expect(request.headers['idempotency-key']).toBe('order-o-42');
    expect(request.json).toEqual({ spec, hostname: 'web1.example.com', client_reference: 'o-42' });
  });

  it('get_instance_status reads GET /v1/instances/{id}; 404 is not_found', async () => {
    target.on('GET', '/v1/instances/up%209f2', { body: { id: 'up 9f2', status: 'active', ip_address: '203.0.113.10' } });
    expect(await plugin.call('get_instance_status', config(), { instance_id: 'up 9f2' })).toEqual({ status: 'active', ip_address: '203.0.113.10' });
    expect(target.requests[0].path).toBe('/v1/instances/up%209f2');
    target.on('GET', '/v1/instances/gone', { status: 404, body: { error: { code: 'not_found', message: 'no such instance' } } });
    expect(await plugin.call('get_instance_status', config(), { instance_id: 'gone' })).toEqual({ status: 'not_found' });
  });

  it('sync_upstream_instances follows next_page', async () => {
    target.on('GET', '/v1/instances', (request) => {
      const page = new URL(request.path, 'http://x').searchParams.get('page');
      return page === '1'
        ? { body: { instances: [{ id: 'a', status: 'active', ip_address: '203.0.113.1', created_at: '2025-01-01T00:00:00Z' }], next_page: 2 } }
        : { body: { instances: [{ id: 'b', status: 'suspended' }, { status: 'no id' }], next_page: null } };
    });
    expect(await plugin.call('sync_upstream_instances', config())).toEqual({
      instances: [
        { instance_id: 'a', status: 'active', ip_address: '203.0.113.1', created_at: '2025-01-01T00:00:00Z' },
        { instance_id: 'b', status: 'suspended' },
      ],
    });
    expect(target.requests.map((r) => r.path)).toEqual(['/v1/instances?page=1', '/v1/instances?page=2']);
  });

  it('get_upstream_balance reads GET /v1/account/balance', async () => {
    target.on('GET', '/v1/account/balance', { body: { balance: '1520.75', currency: 'EUR' } });
    expect(await plugin.call('get_upstream_balance', config())).toEqual({ balance: '1520.75', currency: 'EUR' });
    expect(pathOf(target.requests[0])).toBe('/v1/account/balance');
  });

  describe('failures throw with a classified message', () => {
    const rows: [number, RegExp][] = [
      [401, /^Plugin .*provider_auth_failed: upstream refused the API key on GET \/v1\/account\/balance \(HTTP 401\): nope/],
      [403, /provider_auth_failed: .*HTTP 403/],
      [429, /provider_rate_limited: .*HTTP 429/],
      [500, /provider_5xx: upstream failed on GET \/v1\/account\/balance \(HTTP 500\): nope/],
      [503, /provider_5xx: .*HTTP 503/],
      [422, /upstream refused GET \/v1\/account\/balance \(HTTP 422\): nope/],
    ];
    it.each(rows)('HTTP %i', async (status, message) => {
      target.on('GET', '/v1/account/balance', { status, body: { error: { code: 'x', message: 'nope' } } });
      await expect(plugin.call('get_upstream_balance', config())).rejects.toMatchObject({ code: 'plugins.script_error', message: expect.stringMatching(message) });
    });

    it('a timeout: provider_timeout; connection refused: network_error; a malformed answer says what is missing', async () => {
      target.on('GET', '/v1/account/balance', { delayMs: 3_000, body: {} });
      await expect(plugin.call('get_upstream_balance', config({ timeout_ms: 300 }))).rejects.toMatchObject({ message: expect.stringContaining('provider_timeout') });
      await expect(plugin.call('get_upstream_balance', config({ api_url: `http://127.0.0.1:${refusedPort}` }))).rejects.toMatchObject({
        message: expect.stringContaining('network_error'),
      });
      target.on('GET', '/v1/account/balance', { body: { balance: 'lots', currency: 'EUR' } });
      await expect(plugin.call('get_upstream_balance', config())).rejects.toMatchObject({ message: expect.stringContaining('did not answer { balance, currency }') });
    });
  });

  it('never logs the API key', async () => {
    target.on('POST', '/v1/instances', { status: 201, body: { id: 'up-1', status: 'active' } });
    await plugin.call('create_instance', config(), { server_spec: spec, order_id: 'o-1' });
    const logged = JSON.stringify(plugin.logs);
    expect(logged).toContain('upstream instance ordered');
    expect(logged).not.toContain(apiKey);
  });
});
