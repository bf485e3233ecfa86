/**
 * Reseller provider: resells servers from an upstream host that speaks the small JSON "Switchboard
 * reseller API v1" documented in docs/builtin-plugins.md (section "Reseller API v1"). Every request
 * carries "Authorization: Bearer <api_key>"; every answer is JSON; errors are
 * { "error": { "code", "message" } } with a 4xx/5xx status.
 *
 *   health_check             GET  /v1/ping
 *   spec_template            GET  /v1/options        (limits, regions, operating systems)
 *   sync_products            GET  /v1/products
 *   query_price              POST /v1/quotes
 *   create_instance          POST /v1/instances      (Idempotency-Key: order-<order_id>)
 *   get_instance_status      GET  /v1/instances/{id}
 *   sync_upstream_instances  GET  /v1/instances?page=N (follows next_page)
 *   get_upstream_balance     GET  /v1/account/balance
 *
 * Failures throw an Error whose message starts with a seed-003 style code (provider_auth_failed,
 * provider_rate_limited, provider_5xx, provider_timeout, network_error, invalid_url) or says what
 * the upstream refused; the runtime reports it as plugins.script_error with that message.
 *
 * Deliberately not done here: retries (callers decide), deleting or renewing instances, currency
 * conversion (prices are passed through in the upstream's currency), price mark-up (set prices on
 * the synced products instead).
 */
/* exported version, config_schema, health_check, spec_template, sync_products, query_price, create_instance,
    get_instance_status, sync_upstream_instances, get_upstream_balance */

const MAX_PAGES = 50;
const AMOUNT = /^-?\d+(\.\d+)?$/;

function version() {
  return '1.0.0';
}

function config_schema() {
  return {
    type: 'object',
    title: 'Reseller API v1',
    description: 'Servers bought from an upstream that implements the Switchboard reseller API v1.',
    required: ['api_url', 'api_key'],
    properties: {
      api_url: {
        type: 'string',
        format: 'uri',
        pattern: '^https?://',
        title: 'API address',
        description: 'Base address without /v1, e.g. https://api.upstream.example.',
      },
      api_key: { type: 'string', minLength: 1, writeOnly: true, title: 'API key', description: 'Sent as "Authorization: Bearer <api_key>".' },
      timeout_ms: {
        type: 'integer',
        minimum: 100,
        maximum: 600000,
        title: 'Timeout (ms)',
        description: 'Per-request timeout. Absent: the host default. Must not exceed the server\'s PLUGIN_TIMEOUT_MS.',
      },
    },
  };
}

async function health_check(config) {
  const problem = configProblem(config);
  if (problem) return { healthy: false, error: problem };
  try {
    const json = await api(config, 'GET', '/v1/ping');
    if (!json || json.ok !== true) return { healthy: false, error: 'ping did not answer { "ok": true }' };
    return { healthy: true };
  } catch (err) {
    return { healthy: false, error: shortMessage(err) };
  }
}

async function spec_template(config) {
  requireConfig(config);
  const options = (await api(config, 'GET', '/v1/options')) || {};
  const limits = options.limits && typeof options.limits === 'object' ? options.limits : {};
  const fields = [];
  const numeric = [
    ['cpu_cores', 'CPU cores', true],
    ['memory_gb', 'Memory (GB)', true],
    ['disk_gb', 'Disk (GB)', true],
    ['bandwidth_mbps', 'Bandwidth (Mbps)', false],
  ];
  numeric.forEach((entry, i) => {
    const field = { key: entry[0], label: entry[1], field_type: 'Integer', required: entry[2], display_order: i };
    const range = limits[entry[0]] || {};
    if (Number.isInteger(range.min)) {
      field.min = range.min;
      field.default_value = String(range.min);
    }
    if (Number.isInteger(range.max)) field.max = range.max;
    fields.push(field);
  });
  const choices = [
    ['region', 'Region', options.regions, 'Region'],
    ['os', 'Operating system', options.os, 'OsOptions'],
  ];
  for (const choice of choices) {
    const list = Array.isArray(choice[2]) ? choice[2].filter((v) => typeof v === 'string' && v !== '') : [];
    if (list.length === 0) continue;
    fields.push({ key: choice[0], label: choice[1], field_type: choice[3], required: true, display_order: fields.length, options: list, default_value: list[0] });
  }
  return { fields: fields };
}

async function sync_products(config) {
  requireConfig(config);
  const json = (await api(config, 'GET', '/v1/products')) || {};
  if (!Array.isArray(json.products)) throw new Error('upstream /v1/products did not answer { "products": [...] }');
  const products = [];
  for (const item of json.products) {
    if (!item || item.id === undefined || item.id === null || String(item.id) === '' || !item.name) {
      log.warn('upstream product skipped: no id or name', {});
      continue;
    }
    const product = { external_id: String(item.id), name: String(item.name) };
    if (item.description) product.description = String(item.description);
    const price = amountOf(item.price);
    if (price !== null) product.price = price;
    if (item.currency) product.currency = String(item.currency);
    if (item.billing_cycle) product.billing_cycle = String(item.billing_cycle);
    if (item.specs && typeof item.specs === 'object' && !Array.isArray(item.specs)) product.specs = item.specs;
    products.push(product);
  }
  return { products: products };
}

async function query_price(config, params) {
  requireConfig(config);
  const json = (await api(config, 'POST', '/v1/quotes', specOf(params || {}))) || {};
  const amount = amountOf(json.amount);
  if (amount === null || !json.currency) throw new Error('upstream /v1/quotes did not answer { amount, currency, billing_cycle }');
  return { amount: amount, currency: String(json.currency), billing_cycle: String(json.billing_cycle || 'monthly') };
}

async function create_instance(config, params) {
  requireConfig(config);
  const p = params || {};
  const body = { spec: specOf(p.server_spec || {}) };
  if (p.hostname) body.hostname = String(p.hostname);
  const headers = {};
  if (p.order_id !== undefined && p.order_id !== null && p.order_id !== '') {
    body.client_reference = String(p.order_id);
    // The same order retried must not buy a second server.
    headers['idempotency-key'] = 'order-' + String(p.order_id);
  }
  const json = (await api(config, 'POST', '/v1/instances', body, headers)) || {};
  const instance = instanceOf(json);
  if (!instance) throw new Error('upstream /v1/instances did not answer { id, status }');
  log.info('upstream instance ordered', { instance_id: instance.instance_id, status: instance.status });
  const result = { provider_instance_id: instance.instance_id, status: instance.status };
  if (instance.ip_address) result.ip_address = instance.ip_address;
  return result;
}

async function get_instance_status(config, params) {
  requireConfig(config);
  const id = params && params.instance_id;
  if (typeof id !== 'string' || id === '') throw new Error('instance_id is required');
  let json;
  try {
    json = await api(config, 'GET', '/v1/instances/' + encodeURIComponent(id));
  } catch (err) {
    if (err.status === 404) return { status: 'not_found' };
    throw err;
  }
  const instance = instanceOf(json || {});
  if (!instance) throw new Error('upstream /v1/instances/{id} did not answer { id, status }');
  const result = { status: instance.status };
  if (instance.ip_address) result.ip_address = instance.ip_address;
  return result;
}

async function sync_upstream_instances(config) {
  requireConfig(config);
  const instances = [];
  let page = 1;
  for (let n = 0; n < MAX_PAGES && page !== null; n++) {
    const json = (await api(config, 'GET', '/v1/instances?page=' + page)) || {};
    if (!Array.isArray(json.instances)) throw new Error('upstream /v1/instances did not answer { "instances": [...] }');
    for (const item of json.instances) {
      const instance = instanceOf(item || {});
      if (instance) instances.push(instance);
    }
    page = Number.isInteger(json.next_page) && json.next_page > page ? json.next_page : null;
  }
  if (page !== null) log.warn('upstream instance list truncated', { pages: MAX_PAGES });
  return { instances: instances };
}

async function get_upstream_balance(config) {
  requireConfig(config);
  const json = (await api(config, 'GET', '/v1/account/balance')) || {};
  const balance = amountOf(json.balance);
  if (balance === null || !json.currency) throw new Error('upstream /v1/account/balance did not answer { balance, currency }');
  return { balance: balance, currency: String(json.currency) };
}

// ---------------------------------------------------------------------------------------------

// Helpers below are `const` function expressions, not declarations, so that only the contract
// functions above are plugin functions (top-level function declarations are callable).

/** One API call; resolves with the parsed JSON or throws an Error with a classified message (and .status). */
const api = async function (config, method, path, body, extraHeaders) {
  const headers = { authorization: 'Bearer ' + config.api_key, accept: 'application/json' };
  if (extraHeaders) for (const k in extraHeaders) headers[k] = extraHeaders[k];
  const request = { method: method, url: String(config.api_url).replace(/\/+$/, '') + path, headers: headers };
  if (body !== undefined) request.body = body;
  if (Number.isInteger(config.timeout_ms)) request.timeout_ms = config.timeout_ms;
  const what = method + ' ' + path.split('?')[0];
  let response;
  try {
    response = await http.request(request);
  } catch (err) {
    const code = err && err.code === 'timeout' ? 'provider_timeout' : err && (err.code === 'invalid_url' || err.code === 'address_blocked') ? 'invalid_url' : 'network_error';
    throw new Error(code + ': upstream ' + what + ' failed: ' + shortMessage(err), { cause: err });
  }
  const json = jsonOf(response);
  const status = response.status;
  if (status >= 200 && status < 300) return json;
  const reason = json && json.error && json.error.message ? ': ' + clip(String(json.error.message), 200) : '';
  let message;
  if (status === 401 || status === 403) message = 'provider_auth_failed: upstream refused the API key on ' + what + ' (HTTP ' + status + ')' + reason;
  else if (status === 429) message = 'provider_rate_limited: upstream throttled ' + what + ' (HTTP 429)' + reason;
  else if (status >= 500) message = 'provider_5xx: upstream failed on ' + what + ' (HTTP ' + status + ')' + reason;
  else message = 'upstream refused ' + what + ' (HTTP ' + status + ')' + reason;
  const err = new Error(message);
  err.status = status;
  throw err;
};

const specOf = function (raw) {
  const spec = {};
  for (const key of ['cpu_cores', 'memory_gb', 'disk_gb', 'bandwidth_mbps']) {
    const value = raw[key] === undefined || raw[key] === null || raw[key] === '' ? 0 : Number(raw[key]);
    if (!Number.isInteger(value) || value < 0) throw new Error(key + ' must be a whole number ≥ 0');
    spec[key] = value;
  }
  spec.region = raw.region === undefined || raw.region === null ? '' : String(raw.region);
  spec.os = raw.os === undefined || raw.os === null ? '' : String(raw.os);
  spec.extra_specs = raw.extra_specs && typeof raw.extra_specs === 'object' ? raw.extra_specs : {};
  return spec;
};

const instanceOf = function (item) {
  if (item.id === undefined || item.id === null || String(item.id) === '' || !item.status) return null;
  const out = { instance_id: String(item.id), status: String(item.status).toLowerCase() };
  if (item.ip_address) out.ip_address = String(item.ip_address);
  if (item.created_at) out.created_at = String(item.created_at);
  return out;
};

/** "12.50" or 12.5 → "12.50"/"12.5"; anything else → null. */
const amountOf = function (value) {
  if (typeof value === 'number' && isFinite(value)) return String(value);
  if (typeof value === 'string' && AMOUNT.test(value)) return value;
  return null;
};

const configProblem = function (config) {
  if (!config || typeof config !== 'object') return 'config is missing';
  if (typeof config.api_url !== 'string' || !/^https?:\/\/[^\s]+$/.test(config.api_url)) return 'api_url must be an http(s) URL';
  if (typeof config.api_key !== 'string' || config.api_key === '') return 'api_key is not configured';
  return null;
};

const requireConfig = function (config) {
  const problem = configProblem(config);
  if (problem) throw new Error('reseller is not configured: ' + problem);
};

const jsonOf = function (response) {
  if (response.json !== undefined) return response.json;
  try {
    return JSON.parse(response.body);
  } catch {
    return null;
  }
};

const clip = function (text, max) {
  return text.length > max ? text.slice(0, max) + '…' : text;
};

const shortMessage = function (err) {
  const text = err && err.message ? String(err.message) : String(err);
  return text.length > 300 ? text.slice(0, 300) + '…' : text;
};
