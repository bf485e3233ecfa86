import { closedPort } from '../support/fake-servers/closed-port.js';
import { HttpTarget, type RecordedRequest } from '../support/fake-servers/http-target.js';
import { loadPlugin, type PluginHarness } from '../support/plugin-harness.js';

/**
 * plugins/first_party_provider/incus.js against a local stand-in for the Incus REST API
 * (sync / async / error envelopes as Incus sends them).
 */
describe('first_party_provider/incus', () => {
  let target: HttpTarget;
  let plugin: PluginHarness;
  let refusedPort: number;
  const token = 'incus-bearer-7f3a9c';

  const config = (overrides: Record<string, unknown> = {}) => ({
    api_url: target.url(''),
    token,
    project: 'shop',
    storage_pool: 'fast',
    network: 'incusbr0',
    image: 'debian/12',
    images: { 'debian-12': 'debian/12', 'ubuntu-24.04': 'ubuntu/24.04' },
    profiles: ['default', 'hardened'],
    pricing: { per_core: '2.50', per_gb_ram: '1.25', per_gb_disk: '0.10', per_mbps: '0.01', currency: 'USD', billing_cycle: 'monthly' },
    regions: ['fra1', 'ams1'],
    limits: { cpu_cores: { min: 1, max: 16 }, memory_gb: { min: 1, max: 64 }, disk_gb: { min: 10, max: 500 }, bandwidth_mbps: { min: 0, max: 1000 } },
    ...overrides,
  });
  const spec = (overrides: Record<string, unknown> = {}) => ({
    cpu_cores: 2,
    memory_gb: 4,
    disk_gb: 50,
    bandwidth_mbps: 100,
    region: 'fra1',
    os: 'ubuntu-24.04',
    extra_specs: {},
    ...overrides,
  });

  const sync = (metadata: unknown) => ({ body: { type: 'sync', status: 'Success', status_code: 200, metadata } });
  const async202 = (id: string) => ({
    status: 202,
    body: { type: 'async', status: 'Operation created', status_code: 100, operation: `/1.0/operations/${id}`, metadata: { id, status: 'Running' } },
  });
  const error = (status: number, message: string) => ({ status, body: { type: 'error', error: message, error_code: status } });
  const state = (status: string, ipv4?: string) => ({
    status,
    status_code: status === 'Running' ? 103 : 102,
    network: {
      lo: { addresses: [{ family: 'inet', address: '127.0.0.1', netmask: '8', scope: 'local' }] },
      eth0: {
        addresses: [
          { family: 'inet6', address: 'fe80::1', netmask: '64', scope: 'link' },
          ...(ipv4 ? [{ family: 'inet', address: ipv4, netmask: '24', scope: 'global' }] : []),
        ],
      },
    },
  });
  const query = (request: RecordedRequest) => Object.fromEntries(new URL(request.path, 'http://x').searchParams);
  const pathOf = (request: RecordedRequest) => new URL(request.path, 'http://x').pathname;

  beforeAll(async () => {
    target = await HttpTarget.start();
    refusedPort = await closedPort();
    plugin = await loadPlugin('first_party_provider/incus.js', { allow: [target.hostPort, `127.0.0.1:${refusedPort}`] });
  });
  beforeEach(() => target.reset());
  afterAll(async () => {
    await plugin?.close();
    await target?.close();
  });

  describe('health_check', () => {
    it('healthy when GET /1.0 says the bearer token is trusted; sends the token and the project', async () => {
      target.on('GET', '/1.0', sync({ auth: 'trusted', api_version: '1.0', environment: { server_version: '6.0' } }));
      expect(await plugin.call('health_check', config())).toEqual({ healthy: true });
      const request = target.requests[0];
      expect(request.headers.authorization).toBe(`Bearer ${token}`);
      expect(query(request)).toEqual({ project: 'shop' });
    });

    it('unhealthy, without throwing: untrusted token, 403, 500, unreachable, bad config', async () => {
      target.on('GET', '/1.0', sync({ auth: 'untrusted' }));
      expect(await plugin.call('health_check', config())).toEqual({ healthy: false, error: 'Incus does not trust the token (auth: untrusted)' });
      target.on('GET', '/1.0', error(403, 'not authorized'));
      expect(await plugin.call('health_check', config())).toMatchObject({ healthy: false, error: expect.stringContaining('provider_auth_failed') });
      target.on('GET', '/1.0', error(500, 'database is locked'));
      expect(await plugin.call('health_check', config())).toMatchObject({ healthy: false, error: expect.stringContaining('database is locked') });
      expect(await plugin.call('health_check', config({ api_url: `http://127.0.0.1:${refusedPort}` }))).toMatchObject({
        healthy: false,
        error: expect.stringContaining('network_error'),
      });
      expect(await plugin.call('health_check', { api_url: target.url('') })).toEqual({ healthy: false, error: 'token is not configured' });
    });
  });

  it('spec_template offers the configured limits, regions and operating systems', async () => {
    expect(await plugin.call('spec_template', config())).toEqual({
      fields: [
        { key: 'cpu_cores', label: 'CPU cores', field_type: 'Integer', required: true, display_order: 0, min: 1, max: 16, default_value: '1' },
        { key: 'memory_gb', label: 'Memory (GB)', field_type: 'Integer', required: true, display_order: 1, min: 1, max: 64, default_value: '1' },
        { key: 'disk_gb', label: 'Disk (GB)', field_type: 'Integer', required: true, display_order: 2, min: 10, max: 500, default_value: '10' },
        { key: 'bandwidth_mbps', label: 'Bandwidth (Mbps)', field_type: 'Integer', required: false, display_order: 3, min: 0, max: 1000, default_value: '0' },
        { key: 'region', label: 'Region', field_type: 'Region', required: true, display_order: 4, options: ['fra1', 'ams1'], default_value: 'fra1' },
        { key: 'os', label: 'Operating system', field_type: 'OsOptions', required: true, display_order: 5, options: ['debian-12', 'ubuntu-24.04'], default_value: 'debian-12' },
      ],
    });
    expect(target.requests).toHaveLength(0);
  });

  describe('query_price', () => {
    it('prices a spec from the per-unit table, in exact decimals', async () => {
      // 2 × 2.50 + 4 × 1.25 + 50 × 0.10 + 100 × 0.01 = 16.00
      expect(await plugin.call('query_price', config(), spec())).toEqual({ amount: '16.00', currency: 'USD', billing_cycle: 'monthly' });
      // 3 × 0.1 + 3 × 0.2 + 33 × 0.015 = 1.395 → 1.40 (half up), with no float drift
      const pricing = { per_core: '0.1', per_gb_ram: '0.2', per_gb_disk: '0.015', per_mbps: '0', currency: 'EUR', billing_cycle: 'monthly' };
      expect(await plugin.call('query_price', config({ pricing, limits: {} }), spec({ cpu_cores: 3, memory_gb: 3, disk_gb: 33 }))).toEqual({
        amount: '1.40',
        currency: 'EUR',
        billing_cycle: 'monthly',
      });
    });

    it('refuses specs outside the limits, unknown regions and unknown operating systems', async () => {
      await expect(plugin.call('query_price', config(), spec({ cpu_cores: 32 }))).rejects.toMatchObject({
        code: 'plugins.script_error',
        message: expect.stringContaining('cpu_cores must be between 1 and 16'),
      });
      await expect(plugin.call('query_price', config(), spec({ region: 'nyc1' }))).rejects.toMatchObject({ message: expect.stringContaining('region must be one of fra1, ams1') });
      await expect(plugin.call('query_price', config(), spec({ os: 'windows' }))).rejects.toMatchObject({ message: expect.stringContaining('os must be one of') });
      await expect(plugin.call('query_price', config(), spec({ memory_gb: 1.5 }))).rejects.toMatchObject({ message: expect.stringContaining('memory_gb must be a whole number') });
    });
  });

  it('sync_products lists the plan-* profiles with their resources and computed prices', async () => {
    target.on(
      'GET',
      '/1.0/profiles',
      sync([
        { name: 'default', config: {}, devices: {} },
        {
          name: 'plan-small',
          description: 'Small VPS',
          config: { 'limits.cpu': '1', 'limits.memory': '2GiB' },
          devices: { root: { type: 'disk', path: '/', pool: 'fast', size: '25GiB' }, eth0: { type: 'nic', network: 'incusbr0', 'limits.egress': '100Mbit' } },
        },
        { name: 'plan-pinned', config: { 'limits.cpu': '0-3', 'limits.memory': '4096MiB' }, devices: { root: { type: 'disk', path: '/', size: '80GiB' } } },
        { name: 'plan-broken', config: { 'limits.memory': '1GiB' }, devices: {} },
      ]),
    );
    expect(await plugin.call('sync_products', config())).toEqual({
      products: [
        {
          external_id: 'plan-small',
          name: 'small',
          description: 'Small VPS',
          // 2.50 + 2 × 1.25 + 25 × 0.10 + 100 × 0.01
          price: '8.50',
          currency: 'USD',
          billing_cycle: 'monthly',
          specs: { cpu_cores: 1, memory_gb: 2, disk_gb: 25, bandwidth_mbps: 100 },
        },
        {
          external_id: 'plan-pinned',
          name: 'pinned',
          // 4 × 2.50 + 4 × 1.25 + 80 × 0.10
          price: '23.00',
          currency: 'USD',
          billing_cycle: 'monthly',
          specs: { cpu_cores: 4, memory_gb: 4, disk_gb: 80, bandwidth_mbps: 0 },
        },
      ],
    });
    expect(query(target.requests[0])).toEqual({ recursion: '1', project: 'shop' });
    expect(plugin.logs.some((l) => l.message.includes('profile skipped') && l.fields.profile === 'plan-broken')).toBe(true);
  });

  describe('create_instance', () => {
    it('creates from the image alias with limits and devices, waits for the operation, reports running with the IPv4', async () => {
      target.on('POST', '/1.0/instances', async202('op-create'));
      target.on('GET', '/1.0/operations/op-create/wait', sync({ id: 'op-create', status: 'Success', status_code: 200, err: '' }));
      target.on('GET', '/1.0/instances/sb-o-42/state', sync(state('Running', '10.20.0.7')));

      const result = await plugin.call('create_instance', config(), { server_spec: spec(), order_id: 'o-42' });

      expect(result).toEqual({ provider_instance_id: 'sb-o-42', status: 'running', ip_address: '10.20.0.7' });
      expect(target.requests.map((r) => `${r.method} ${pathOf(r)}`)).toEqual([
        'POST /1.0/instances',
        'GET /1.0/operations/op-create/wait',
        'GET /1.0/instances/sb-o-42/state',
      ]);
      const [create, wait] = target.requests;
      expect(create.headers.authorization).toBe(`Bearer ${token}`);
      expect(query(create)).toEqual({ project: 'shop' });
      expect(create.json).toEqual({
        name: 'sb-o-42',
        type: 'container',
        source: { type: 'image', alias: 'ubuntu/24.04' },
        profiles: ['default', 'hardened'],
        config: { 'limits.cpu': '2', 'limits.memory': '4GiB', 'user.switchboard.order_id': 'o-42' },
        devices: {
          root: { type: 'disk', path: '/', pool: 'fast', size: '50GiB' },
          eth0: { type: 'nic', network: 'incusbr0', name: 'eth0', 'limits.egress': '100Mbit', 'limits.ingress': '100Mbit' },
        },
        start: true,
      });
      const waited = Number(query(wait).timeout);
      expect(waited).toBeGreaterThanOrEqual(1);
      expect(waited).toBeLessThanOrEqual(3);
    });

    it('names the instance from the hostname (sanitised), uses a remote image server when configured', async () => {
      target.on('POST', '/1.0/instances', async202('op-h'));
      target.on('GET', '/1.0/operations/op-h/wait', sync({ status: 'Success' }));
      target.on('GET', '/1.0/instances/web-01-example-com/state', sync(state('Running')));
      const result = await plugin.call('create_instance', config({ image_server: 'https://images.linuxcontainers.org', instance_type: 'virtual-machine' }), {
        server_spec: spec({ os: '' }),
        order_id: 'o-43',
        hostname: 'Web_01.Example.com',
      });
      expect(result).toEqual({ provider_instance_id: 'web-01-example-com', status: 'running' });
      expect(target.requests[0].json).toMatchObject({
        name: 'web-01-example-com',
        type: 'virtual-machine',
        source: { type: 'image', alias: 'debian/12', server: 'https://images.linuxcontainers.org', protocol: 'simplestreams' },
      });
    });

    it('starts an instance that came up stopped (PUT state start, then waits again)', async () => {
      let started = false;
      target.on('POST', '/1.0/instances', async202('op-c'));
      target.on('GET', '/1.0/operations/op-c/wait', sync({ status: 'Success' }));
      target.on('PUT', '/1.0/instances/sb-o-44/state', () => {
        started = true;
        return async202('op-s');
      });
      target.on('GET', '/1.0/operations/op-s/wait', sync({ status: 'Success' }));
      target.on('GET', '/1.0/instances/sb-o-44/state', () => sync(started ? state('Running', '10.20.0.8') : state('Stopped')));

      expect(await plugin.call('create_instance', config(), { server_spec: spec(), order_id: 'o-44' })).toEqual({
        provider_instance_id: 'sb-o-44',
        status: 'running',
        ip_address: '10.20.0.8',
      });
      const put = target.requests.find((r) => r.method === 'PUT')!;
      expect(put.json).toEqual({ action: 'start', timeout: 30 });
      expect(query(put)).toEqual({ project: 'shop' });
    });

    it('returns pending when creation is still running after the wait (e.g. image download)', async () => {
      target.on('POST', '/1.0/instances', async202('op-slow'));
      target.on('GET', '/1.0/operations/op-slow/wait', sync({ status: 'Running' }));
      expect(await plugin.call('create_instance', config({ operation_wait_seconds: 1 }), { server_spec: spec(), order_id: 'o-45' })).toEqual({
        provider_instance_id: 'sb-o-45',
        status: 'pending',
      });
      expect(target.requests.some((r) => r.path.includes('/state'))).toBe(false);
    });

    it('a failed operation throws with Incus\' reason', async () => {
      target.on('POST', '/1.0/instances', async202('op-bad'));
      target.on('GET', '/1.0/operations/op-bad/wait', sync({ status: 'Failure', err: 'Failed getting remote image info: not found' }));
      await expect(plugin.call('create_instance', config(), { server_spec: spec(), order_id: 'o-46' })).rejects.toMatchObject({
        code: 'plugins.script_error',
        message: expect.stringContaining('Failed getting remote image info: not found'),
      });
    });

    it('an existing instance of the same name (the order retried) is reported, not created twice', async () => {
      target.on('POST', '/1.0/instances', error(409, 'Instance "sb-o-47" already exists'));
      target.on('GET', '/1.0/instances/sb-o-47', sync({ name: 'sb-o-47', config: { 'user.switchboard.order_id': 'o-47' } }));
      target.on('GET', '/1.0/instances/sb-o-47/state', sync(state('Running', '10.20.0.9')));
      expect(await plugin.call('create_instance', config(), { server_spec: spec(), order_id: 'o-47' })).toEqual({
        provider_instance_id: 'sb-o-47',
        status: 'running',
        ip_address: '10.20.0.9',
      });
    });

    it("an existing instance of the same name that another order made is refused, not adopted", async () => {
      target.on('POST', '/1.0/instances', error(409, 'Instance "sb-o-49" already exists'));
      target.on('GET', '/1.0/instances/sb-o-49', sync({ name: 'sb-o-49', config: { 'user.switchboard.order_id': 'another-order' } }));
      await expect(plugin.call('create_instance', config(), { server_spec: spec(), order_id: 'o-49' })).rejects.toMatchObject({
        message: expect.stringContaining('instance_name_taken'),
      });
      expect(target.requests.some((r) => r.path.includes('/state'))).toBe(false);
    });

    it('refused token and server errors throw with a classified message', async () => {
      target.on('POST', '/1.0/instances', error(403, 'not authorized'));
      await expect(plugin.call('create_instance', config(), { server_spec: spec(), order_id: 'o-48' })).rejects.toMatchObject({
        message: expect.stringContaining('provider_auth_failed'),
      });
      target.on('POST', '/1.0/instances', error(500, 'storage pool "fast" is full'));
      await expect(plugin.call('create_instance', config(), { server_spec: spec(), order_id: 'o-48' })).rejects.toMatchObject({
        message: expect.stringMatching(/provider_5xx.*storage pool "fast" is full/),
      });
    });
  });

  describe('get_instance_status', () => {
    const rows: [string, unknown, Record<string, unknown>][] = [
      ['Running with an address', state('Running', '10.20.0.7'), { status: 'running', ip_address: '10.20.0.7' }],
      ['Stopped', state('Stopped'), { status: 'stopped' }],
      ['Frozen', state('Frozen'), { status: 'suspended' }],
      ['Starting', state('Starting'), { status: 'pending' }],
      ['Error', state('Error'), { status: 'error' }],
    ];
    it.each(rows)('%s', async (_name, metadata, expected) => {
      target.on('GET', '/1.0/instances/web-1/state', sync(metadata));
      expect(await plugin.call('get_instance_status', config(), { instance_id: 'web-1' })).toEqual(expected);
    });

    it('a deleted instance: not_found', async () => {
      target.on('GET', '/1.0/instances/gone/state', error(404, 'Instance not found'));
      expect(await plugin.call('get_instance_status', config(), { instance_id: 'gone' })).toEqual({ status: 'not_found' });
    });
  });

  it('admin_list_instances and admin_page show the project\'s instances (HTML escaped)', async () => {
    target.on(
      'GET',
      '/1.0/instances',
      sync([
        { name: 'sb-o-42', type: 'container', status: 'Running', created_at: '2025-06-05T09:00:00Z', config: { 'user.switchboard.order_id': 'o-42' }, state: state('Running', '10.20.0.7') },
        { name: 'x<script>', type: 'virtual-machine', status: 'Stopped', created_at: '2025-06-01T00:00:00Z', config: {}, state: state('Stopped') },
      ]),
    );
    expect(await plugin.call('admin_list_instances', config())).toEqual({
      instances: [
        { name: 'sb-o-42', type: 'container', status: 'running', ip_address: '10.20.0.7', created_at: '2025-06-05T09:00:00Z', order_id: 'o-42' },
        { name: 'x<script>', type: 'virtual-machine', status: 'stopped', created_at: '2025-06-01T00:00:00Z', order_id: null },
      ],
    });
    expect(query(target.requests[0])).toEqual({ recursion: '2', project: 'shop' });

    const page = await plugin.call('admin_page', config());
    expect(page.title).toBe('Incus instances');
    expect(page.html).toContain('<td>sb-o-42</td><td>container</td><td>running</td><td>10.20.0.7</td>');
    expect(page.html).toContain('x&lt;script&gt;');
    expect(page.html).not.toContain('x<script>');
  });

  it('never logs the token', async () => {
    target.on('GET', '/1.0', sync({ auth: 'trusted' }));
    await plugin.call('health_check', config());
    expect(JSON.stringify(plugin.logs)).not.toContain(token);
  });
});
