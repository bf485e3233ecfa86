/**
 * Incus provider: creates and watches containers / VMs on one Incus server (or cluster) through its
 * REST API (https://linuxcontainers.org/incus/docs/main/rest-api/, endpoints:
 * https://linuxcontainers.org/incus/docs/main/rest-api-spec/), authenticated with a bearer token
 * (Incus OIDC / bearer authentication). Prices come from the per-unit pricing table in the config.
 *
 *   health_check          GET  /1.0                        (the token must be "trusted")
 *   sync_products         GET  /1.0/profiles?recursion=1   (profiles named <plan_profile_prefix>*, priced)
 *   create_instance       POST /1.0/instances  → wait GET /1.0/operations/<id>/wait?timeout=N
 *                         → PUT /1.0/instances/<name>/state {action:"start"} when it is not running
 *   get_instance_status   GET  /1.0/instances/<name>/state (status, first global IPv4 of eth0)
 *   admin_list_instances  GET  /1.0/instances?recursion=2   (also behind admin_page)
 *
 * The instance name (= provider_instance_id) comes from params.hostname, else "sb-<order_id>",
 * sanitised to an Incus name; creating an existing name is treated as the same order retried.
 * Creation asks Incus to start the instance itself ("start": true) and waits at most
 * operation_wait_seconds in total: an image download that takes longer returns status "pending"
 * and the instance starts on its own; get_instance_status reports the rest.
 *
 * Deliberately not done here: TLS client certificates (the host HTTP API has none; the Incus server
 * needs a certificate a normal TLS client trusts, e.g. via core.https_address behind a proxy or ACME),
 * deleting/resizing instances, snapshots, console access, placement across cluster members beyond
 * Incus' own scheduler, and IPv6 (only the first global IPv4 is reported).
 */
/* exported version, config_schema, health_check, spec_template, sync_products, query_price, create_instance,
    get_instance_status, admin_list_instances, admin_page */

const DEFAULT_LIMITS = {
  cpu_cores: { min: 1, max: 64 },
  memory_gb: { min: 1, max: 256 },
  disk_gb: { min: 1, max: 4096 },
  bandwidth_mbps: { min: 0, max: 100000 },
};
const DECIMAL = '^\\d+(\\.\\d{1,4})?$';

function version() {
  return '1.1.0';
}

function config_schema() {
  const range = (title) => ({
    type: 'object',
    title: title,
    properties: { min: { type: 'integer', minimum: 0 }, max: { type: 'integer', minimum: 0 } },
  });
  return {
    type: 'object',
    title: 'Incus',
    description: 'Containers and virtual machines on an Incus server, priced per resource unit.',
    required: ['api_url', 'token', 'image', 'pricing'],
    properties: {
      api_url: { type: 'string', format: 'uri', pattern: '^https?://', title: 'API address', description: 'e.g. https://incus.example.com:8443 (no trailing /1.0).' },
      token: { type: 'string', minLength: 1, writeOnly: true, title: 'Bearer token', description: 'Sent as "Authorization: Bearer <token>"; must be trusted by the server.' },
      project: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', title: 'Project', description: 'Incus project; absent: "default".' },
      storage_pool: { type: 'string', minLength: 1, default: 'default', title: 'Storage pool', description: 'Pool of the root disk.' },
      network: {
        type: 'string',
        minLength: 1,
        title: 'Network',
        description: 'Managed network for eth0 (bandwidth limits need it). Absent: eth0 comes from the profiles.',
      },
      profiles: { type: 'array', items: { type: 'string', minLength: 1 }, default: ['default'], title: 'Profiles', description: 'Applied to every new instance.' },
      instance_type: { type: 'string', enum: ['container', 'virtual-machine'], default: 'container', title: 'Instance type' },
      image: { type: 'string', minLength: 1, title: 'Default image alias', description: 'e.g. "debian/12"; used when the order\'s os is not in images.' },
      images: {
        type: 'object',
        additionalProperties: { type: 'string', minLength: 1 },
        title: 'Images by OS',
        description: 'Maps the os an order names (e.g. "ubuntu-24.04") to an image alias (e.g. "ubuntu/24.04"). Also the OS choices offered.',
      },
      image_server: {
        type: 'string',
        format: 'uri',
        title: 'Image server',
        description: 'Remote simplestreams server for the aliases, e.g. https://images.linuxcontainers.org. Absent: images local to the Incus server.',
      },
      pricing: {
        type: 'object',
        title: 'Pricing',
        description: 'Price of one unit per billing cycle, as decimal strings (e.g. "2.50").',
        required: ['per_core', 'per_gb_ram', 'per_gb_disk', 'currency', 'billing_cycle'],
        properties: {
          per_core: { type: 'string', pattern: DECIMAL, title: 'Per CPU core' },
          per_gb_ram: { type: 'string', pattern: DECIMAL, title: 'Per GB of memory' },
          per_gb_disk: { type: 'string', pattern: DECIMAL, title: 'Per GB of disk' },
          per_mbps: { type: 'string', pattern: DECIMAL, default: '0', title: 'Per Mbps of bandwidth' },
          currency: { type: 'string', pattern: '^[A-Z]{3}$', title: 'Currency', description: 'ISO 4217 code, e.g. USD.' },
          billing_cycle: { type: 'string', enum: ['monthly', 'quarterly', 'semi_annually', 'annually', 'hourly'], title: 'Billing cycle' },
        },
      },
      regions: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, title: 'Regions', description: 'Region labels offered to customers. Absent: region is free-form.' },
      limits: {
        type: 'object',
        title: 'Limits',
        description: 'Smallest and largest value accepted per resource.',
        properties: {
          cpu_cores: range('CPU cores'),
          memory_gb: range('Memory (GB)'),
          disk_gb: range('Disk (GB)'),
          bandwidth_mbps: range('Bandwidth (Mbps)'),
        },
      },
      plan_profile_prefix: {
        type: 'string',
        default: 'plan-',
        title: 'Plan profile prefix',
        description: 'sync_products lists the Incus profiles whose name starts with this as products.',
      },
      operation_wait_seconds: {
        type: 'integer',
        minimum: 1,
        maximum: 60,
        default: 3,
        title: 'Wait for creation (s)',
        description: 'Longest time create_instance waits for Incus; keep it below PLUGIN_TIMEOUT_MS.',
      },
    },
  };
}

async function health_check(config) {
  const problem = configProblem(config);
  if (problem) return { healthy: false, error: problem };
  try {
    const response = await incus(config, 'GET', '/1.0');
    const meta = response.json.metadata || {};
    if (meta.auth !== 'trusted') return { healthy: false, error: 'Incus does not trust the token (auth: ' + String(meta.auth || 'unknown') + ')' };
    return { healthy: true };
  } catch (err) {
    return { healthy: false, error: shortMessage(err) };
  }
}

function spec_template(config) {
  const cfg = config || {};
  const limits = limitsOf(cfg);
  const fields = [
    numberField('cpu_cores', 'CPU cores', true, 0, limits.cpu_cores),
    numberField('memory_gb', 'Memory (GB)', true, 1, limits.memory_gb),
    numberField('disk_gb', 'Disk (GB)', true, 2, limits.disk_gb),
    numberField('bandwidth_mbps', 'Bandwidth (Mbps)', false, 3, limits.bandwidth_mbps),
  ];
  if (Array.isArray(cfg.regions) && cfg.regions.length > 0) {
    fields.push({ key: 'region', label: 'Region', field_type: 'Region', required: true, display_order: 4, options: cfg.regions.slice(), default_value: cfg.regions[0] });
  }
  const systems = osChoices(cfg);
  if (systems.length > 0) {
    fields.push({ key: 'os', label: 'Operating system', field_type: 'OsOptions', required: true, display_order: 5, options: systems, default_value: systems[0] });
  }
  return { fields: fields };
}

async function sync_products(config) {
  requireConfig(config);
  const prefix = typeof config.plan_profile_prefix === 'string' ? config.plan_profile_prefix : 'plan-';
  const response = await incus(config, 'GET', '/1.0/profiles?recursion=1');
  const profiles = Array.isArray(response.json.metadata) ? response.json.metadata : [];
  const products = [];
  for (const profile of profiles) {
    if (!profile || typeof profile.name !== 'string' || profile.name.indexOf(prefix) !== 0) continue;
    const spec = specOfProfile(profile);
    if (!spec) {
      log.warn('incus profile skipped: no limits.cpu / limits.memory', { profile: profile.name });
      continue;
    }
    const price = priceOf(config, spec);
    const product = {
      external_id: profile.name,
      name: profile.name.slice(prefix.length) || profile.name,
      price: price.amount,
      currency: price.currency,
      billing_cycle: price.billing_cycle,
      specs: spec,
    };
    if (profile.description) product.description = String(profile.description);
    products.push(product);
  }
  return { products: products };
}

function query_price(config, params) {
  requireConfig(config);
  const spec = normaliseSpec(config, params || {});
  return priceOf(config, spec);
}

async function create_instance(config, params) {
  requireConfig(config);
  const p = params || {};
  const spec = normaliseSpec(config, p.server_spec || {});
  const name = instanceName(p);
  const deadline = now() + waitSecondsOf(config) * 1000;

  const devices = {
    root: { type: 'disk', path: '/', pool: config.storage_pool || 'default', size: spec.disk_gb + 'GiB' },
  };
  if (config.network) {
    const nic = { type: 'nic', network: config.network, name: 'eth0' };
    if (spec.bandwidth_mbps > 0) {
      nic['limits.egress'] = spec.bandwidth_mbps + 'Mbit';
      nic['limits.ingress'] = spec.bandwidth_mbps + 'Mbit';
    }
    devices.eth0 = nic;
  }
  const source = { type: 'image', alias: imageOf(config, spec.os) };
  if (config.image_server) {
    source.server = config.image_server;
    source.protocol = 'simplestreams';
  }
  const body = {
    name: name,
    type: config.instance_type || 'container',
    source: source,
    profiles: Array.isArray(config.profiles) && config.profiles.length > 0 ? config.profiles : ['default'],
    config: {
      'limits.cpu': String(spec.cpu_cores),
      'limits.memory': spec.memory_gb + 'GiB',
      'user.switchboard.order_id': p.order_id === undefined || p.order_id === null ? '' : String(p.order_id),
    },
    devices: devices,
    start: true,
  };

  let created;
  try {
    created = await incus(config, 'POST', '/1.0/instances', body);
  } catch (err) {
    if (err.status !== 409) throw err;
    // The name is taken. It is this order's own instance (a retry) only if it carries this
    // order's id; another order's instance is never adopted.
    const existing = await incus(config, 'GET', '/1.0/instances/' + encodeURIComponent(name));
    const cfg = (existing.json.metadata && existing.json.metadata.config) || {};
    const owner = cfg['user.switchboard.order_id'] === undefined ? '' : String(cfg['user.switchboard.order_id']);
    const order = p.order_id === undefined || p.order_id === null ? '' : String(p.order_id);
    if (order === '' || owner !== order) {
      throw new Error('instance_name_taken: an Incus instance named "' + name + '" already exists and belongs to another order; choose another hostname', { cause: err });
    }
    log.info('incus instance already exists for this order, treating as a retry', { name: name });
  }
  if (created) {
    const outcome = await waitFor(config, created.json.operation, deadline);
    if (outcome === 'running') return { provider_instance_id: name, status: 'pending' };
  }

  let state = await stateOf(config, name);
  if (state && state.status === 'Stopped' && now() < deadline) {
    const started = await incus(config, 'PUT', '/1.0/instances/' + encodeURIComponent(name) + '/state', { action: 'start', timeout: 30 });
    const outcome = await waitFor(config, started.json.operation, deadline);
    if (outcome === 'running') return { provider_instance_id: name, status: 'pending' };
    state = await stateOf(config, name);
  }
  const result = { provider_instance_id: name, status: state ? statusOf(state.status) : 'pending' };
  const ip = state ? ipv4Of(state) : null;
  if (ip) result.ip_address = ip;
  log.info('incus instance created', { name: name, status: result.status });
  return result;
}

async function get_instance_status(config, params) {
  requireConfig(config);
  const id = params && params.instance_id;
  if (typeof id !== 'string' || id === '') throw new Error('instance_id is required');
  const state = await stateOf(config, id);
  if (!state) return { status: 'not_found' };
  const result = { status: statusOf(state.status) };
  const ip = ipv4Of(state);
  if (ip) result.ip_address = ip;
  return result;
}

async function admin_list_instances(config) {
  requireConfig(config);
  const response = await incus(config, 'GET', '/1.0/instances?recursion=2');
  const list = Array.isArray(response.json.metadata) ? response.json.metadata : [];
  return {
    instances: list.map((instance) => {
      const state = instance.state || {};
      return {
        name: String(instance.name || ''),
        type: String(instance.type || ''),
        status: statusOf(instance.status || state.status),
        ip_address: ipv4Of(state),
        created_at: instance.created_at || null,
        order_id: (instance.config && instance.config['user.switchboard.order_id']) || null,
      };
    }),
  };
}

async function admin_page(config) {
  const listed = await admin_list_instances(config);
  const rows = listed.instances
    .map((i) => '<tr><td>' + [i.name, i.type, i.status, i.ip_address || '', i.order_id || '', i.created_at || ''].map(escapeHtml).join('</td><td>') + '</td></tr>')
    .join('');
  const html =
    '<h2>Incus instances' + (config.project ? ' (project ' + escapeHtml(config.project) + ')' : '') + '</h2>' +
    '<table><thead><tr><th>Name</th><th>Type</th><th>Status</th><th>IPv4</th><th>Order</th><th>Created</th></tr></thead><tbody>' +
    (rows || '<tr><td colspan="6">No instances.</td></tr>') +
    '</tbody></table>';
  return { title: 'Incus instances', html: html };
}

// ---------------------------------------------------------------------------------------------
// Incus REST plumbing.

// Helpers below are `const` function expressions, not declarations, so that only the contract
// functions above are plugin functions (top-level function declarations are callable).

/** One request; resolves with { status, json } or throws an Error naming what failed (no token). */
const incus = async function (config, method, path, body) {
  const base = String(config.api_url).replace(/\/+$/, '');
  let url = base + path;
  if (config.project) url += (path.indexOf('?') >= 0 ? '&' : '?') + 'project=' + encodeURIComponent(config.project);
  const what = 'Incus ' + method + ' ' + path.split('?')[0];
  const request = { method: method, url: url, headers: { authorization: 'Bearer ' + config.token, accept: 'application/json' } };
  if (body !== undefined) request.body = body;
  let response;
  try {
    response = await http.request(request);
  } catch (err) {
    const code = err && err.code === 'timeout' ? 'provider_timeout' : err && (err.code === 'invalid_url' || err.code === 'address_blocked') ? 'invalid_url' : 'network_error';
    throw new Error(code + ': ' + what + ' failed: ' + shortMessage(err), { cause: err });
  }
  const json = jsonOf(response);
  if (response.status === 401 || response.status === 403) {
    throw failure('provider_auth_failed: ' + what + ' refused the token (HTTP ' + response.status + ')', response.status);
  }
  if (response.status >= 400 || !json || json.type === 'error') {
    const reason = json && json.error ? String(json.error) : 'HTTP ' + response.status;
    const prefix = response.status >= 500 ? 'provider_5xx: ' : '';
    throw failure(prefix + what + ' failed: ' + clip(reason, 300), response.status);
  }
  return { status: response.status, json: json };
};

const failure = function (message, status) {
  const err = new Error(message);
  err.status = status;
  return err;
};

/** Waits for an operation until the deadline: "done", or "running" when time ran out. Throws on failure. */
const waitFor = async function (config, operation, deadline) {
  if (typeof operation !== 'string' || operation.indexOf('/1.0/operations/') !== 0) return 'done';
  const seconds = Math.floor((deadline - now()) / 1000);
  if (seconds < 1) return 'running';
  let response;
  try {
    response = await incus(config, 'GET', operation.split('?')[0] + '/wait?timeout=' + seconds);
  } catch (err) {
    if (err.status === 504 || /timeout|deadline/i.test(err.message)) return 'running';
    throw err;
  }
  const op = response.json.metadata || {};
  if (op.status === 'Success') return 'done';
  if (op.status === 'Running' || op.status === 'Pending') return 'running';
  throw new Error('Incus operation ' + String(op.status || 'failed') + ': ' + clip(String(op.err || 'no reason given'), 300));
};

/** GET .../state metadata, or null when the instance does not exist. */
const stateOf = async function (config, name) {
  try {
    const response = await incus(config, 'GET', '/1.0/instances/' + encodeURIComponent(name) + '/state');
    return response.json.metadata || {};
  } catch (err) {
    if (err.status === 404) return null;
    throw err;
  }
};

const statusOf = function (incusStatus) {
  const s = String(incusStatus || '');
  if (s === 'Running') return 'running';
  if (s === 'Stopped') return 'stopped';
  if (s === 'Frozen') return 'suspended';
  if (s === 'Error') return 'error';
  if (/^(Starting|Stopping|Freezing|Thawed|Restarting|Aborting|Pending|Created)$/.test(s)) return 'pending';
  return s ? s.toLowerCase() : 'unknown';
};

/** First global IPv4 address, from eth0 first, then any other interface but lo. */
const ipv4Of = function (state) {
  const network = state && state.network && typeof state.network === 'object' ? state.network : {};
  const names = Object.keys(network).filter((n) => n !== 'lo' && n !== 'eth0');
  if (network.eth0) names.unshift('eth0');
  for (const name of names) {
    const addresses = network[name] && Array.isArray(network[name].addresses) ? network[name].addresses : [];
    for (const a of addresses) {
      if (a && a.family === 'inet' && a.scope === 'global' && a.address) return String(a.address);
    }
  }
  return undefined;
};

// ---------------------------------------------------------------------------------------------
// Specs, prices, names.

const normaliseSpec = function (config, raw) {
  const limits = limitsOf(config);
  const spec = {};
  for (const key of ['cpu_cores', 'memory_gb', 'disk_gb', 'bandwidth_mbps']) {
    const value = raw[key] === undefined || raw[key] === null || raw[key] === '' ? (key === 'bandwidth_mbps' ? 0 : NaN) : Number(raw[key]);
    if (!Number.isInteger(value)) throw new Error(key + ' must be a whole number');
    if (value < limits[key].min || value > limits[key].max) throw new Error(key + ' must be between ' + limits[key].min + ' and ' + limits[key].max + ', got ' + value);
    spec[key] = value;
  }
  const region = raw.region === undefined || raw.region === null ? '' : String(raw.region);
  if (Array.isArray(config.regions) && config.regions.length > 0 && config.regions.indexOf(region) < 0) {
    throw new Error('region must be one of ' + config.regions.join(', ') + ', got "' + region + '"');
  }
  spec.region = region;
  const os = raw.os === undefined || raw.os === null ? '' : String(raw.os);
  const images = config.images && typeof config.images === 'object' ? config.images : null;
  if (os !== '' && images && Object.keys(images).length > 0 && !Object.prototype.hasOwnProperty.call(images, os)) {
    throw new Error('os must be one of ' + Object.keys(images).join(', ') + ', got "' + os + '"');
  }
  spec.os = os;
  return spec;
};

const priceOf = function (config, spec) {
  const pricing = config.pricing;
  const units =
    toUnits(pricing.per_core, 'per_core') * spec.cpu_cores +
    toUnits(pricing.per_gb_ram, 'per_gb_ram') * spec.memory_gb +
    toUnits(pricing.per_gb_disk, 'per_gb_disk') * spec.disk_gb +
    toUnits(pricing.per_mbps === undefined ? '0' : pricing.per_mbps, 'per_mbps') * (spec.bandwidth_mbps || 0);
  return { amount: formatUnits(units), currency: pricing.currency, billing_cycle: pricing.billing_cycle };
};

/** A decimal price as an integer number of 1/10000 units (no floating-point drift). */
const toUnits = function (value, field) {
  const text = typeof value === 'number' && isFinite(value) && value >= 0 ? String(value) : value;
  if (typeof text !== 'string' || !/^\d+(\.\d+)?$/.test(text)) throw new Error('pricing.' + field + ' must be a decimal such as "2.50"');
  const parts = text.split('.');
  return Number(parts[0]) * 10000 + Number(((parts[1] || '') + '0000').slice(0, 4));
};

/** 1/10000 units → "12.35" (half up to cents). */
const formatUnits = function (units) {
  const cents = Math.round(units / 100);
  return Math.floor(cents / 100) + '.' + String(cents % 100).padStart(2, '0');
};

const specOfProfile = function (profile) {
  const cfg = profile.config || {};
  const cpu = cpuCount(cfg['limits.cpu']);
  const memory = sizeInGb(cfg['limits.memory']);
  if (!cpu || !memory) return null;
  const devices = profile.devices || {};
  let disk = 0;
  let bandwidth = 0;
  for (const name of Object.keys(devices)) {
    const device = devices[name] || {};
    if (device.type === 'disk' && device.path === '/') disk = sizeInGb(device.size) || 0;
    if (device.type === 'nic' && device['limits.egress']) bandwidth = bandwidth || mbpsOf(device['limits.egress']);
  }
  return { cpu_cores: cpu, memory_gb: memory, disk_gb: disk, bandwidth_mbps: bandwidth };
};

/** "2" → 2; "0-3" / "0,2" (pinned CPUs) → how many CPUs. */
const cpuCount = function (value) {
  const text = String(value === undefined || value === null ? '' : value).trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^[\d,\s-]+$/.test(text) || text === '') return 0;
  let count = 0;
  for (const part of text.split(',')) {
    const range = part.trim().split('-');
    count += range.length === 2 ? Number(range[1]) - Number(range[0]) + 1 : 1;
  }
  return count;
};

/** "2GiB", "2048MiB", "2GB", "1TiB" → GB (rounded to 2 decimals); percentages and garbage → 0. */
const sizeInGb = function (value) {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGTP]i?B?)?$/i.exec(String(value === undefined || value === null ? '' : value).trim());
  if (!match) return 0;
  const unit = (match[2] || 'B').toUpperCase().replace(/B$/, '').replace('I', '');
  const power = { '': -3, K: -2, M: -1, G: 0, T: 1, P: 2 }[unit];
  if (power === undefined) return 0;
  const binary = /i/i.test(match[2] || '');
  const gb = Number(match[1]) * Math.pow(binary ? 1024 : 1000, power);
  return Math.round(gb * 100) / 100;
};

/** "100Mbit" / "1Gbit" → Mbps. */
const mbpsOf = function (value) {
  const match = /^(\d+(?:\.\d+)?)\s*([kMGT]?)bit$/i.exec(String(value).trim());
  if (!match) return 0;
  const factor = { '': 1e-6, K: 1e-3, M: 1, G: 1000, T: 1e6 }[match[2].toUpperCase()];
  return Math.round(Number(match[1]) * factor);
};

const instanceName = function (params) {
  const raw = params.hostname ? String(params.hostname) : params.order_id !== undefined && params.order_id !== null && params.order_id !== '' ? 'sb-' + params.order_id : 'sb-' + crypto.randomId().slice(0, 12);
  let name = raw.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(name)) name = 'sb-' + name;
  return name.slice(0, 63).replace(/-+$/, '');
};

const imageOf = function (config, os) {
  if (os && config.images && typeof config.images[os] === 'string') return config.images[os];
  return config.image;
};

const osChoices = function (config) {
  if (config.images && typeof config.images === 'object' && Object.keys(config.images).length > 0) return Object.keys(config.images);
  return typeof config.image === 'string' && config.image !== '' ? [config.image] : [];
};

const limitsOf = function (config) {
  const out = {};
  const given = config && config.limits && typeof config.limits === 'object' ? config.limits : {};
  for (const key of Object.keys(DEFAULT_LIMITS)) {
    const g = given[key] || {};
    out[key] = {
      min: Number.isInteger(g.min) ? g.min : DEFAULT_LIMITS[key].min,
      max: Number.isInteger(g.max) ? g.max : DEFAULT_LIMITS[key].max,
    };
  }
  return out;
};

const numberField = function (key, label, required, order, range) {
  return { key: key, label: label, field_type: 'Integer', required: required, display_order: order, min: range.min, max: range.max, default_value: String(range.min) };
};

const waitSecondsOf = function (config) {
  const n = Number(config.operation_wait_seconds);
  return Number.isInteger(n) && n >= 1 && n <= 60 ? n : 3;
};

// ---------------------------------------------------------------------------------------------
// Config and small helpers.

const configProblem = function (config) {
  if (!config || typeof config !== 'object') return 'config is missing';
  if (typeof config.api_url !== 'string' || !/^https?:\/\/[^\s]+$/.test(config.api_url)) return 'api_url must be an http(s) URL';
  if (typeof config.token !== 'string' || config.token === '') return 'token is not configured';
  if (typeof config.image !== 'string' || config.image === '') return 'image is not configured';
  const pricing = config.pricing;
  if (!pricing || typeof pricing !== 'object') return 'pricing is not configured';
  if (typeof pricing.currency !== 'string' || pricing.currency === '') return 'pricing.currency is not configured';
  if (typeof pricing.billing_cycle !== 'string' || pricing.billing_cycle === '') return 'pricing.billing_cycle is not configured';
  return null;
};

const requireConfig = function (config) {
  const problem = configProblem(config);
  if (problem) throw new Error('incus is not configured: ' + problem);
};

const jsonOf = function (response) {
  if (response.json !== undefined) return response.json;
  try {
    return JSON.parse(response.body);
  } catch {
    return null;
  }
};

const escapeHtml = function (text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
};

const clip = function (text, max) {
  return text.length > max ? text.slice(0, max) + '…' : text;
};

const shortMessage = function (err) {
  const text = err && err.message ? String(err.message) : String(err);
  return text.length > 300 ? text.slice(0, 300) + '…' : text;
};
