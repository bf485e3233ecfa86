/**
 * 易支付 (Epay) gateway: the widespread "彩虹易支付"-style merchant API with MD5 signatures.
 *
 *   create_payment  builds the page-jump URL {api_url}/submit.php?pid&type&out_trade_no&notify_url
 *                   &return_url&name&money[&sitename]&sign&sign_type=MD5 for the customer's browser.
 *   verify_callback checks an asynchronous notification (GET query, or a form-encoded POST body):
 *                   signature, merchant id, trade_status; answers "success" so Epay stops resending.
 *   health_check    asks the merchant-info API {api_url}/api.php?act=query&pid&key (it proves the
 *                   pid/key pair, not just that the host answers).
 *
 * Signature: take every parameter except sign and sign_type whose value is not empty, sort by name
 * (ASCII), join as k1=v1&k2=v2 with raw (not URL-encoded) values, append the merchant key, MD5,
 * lower-case hex ("与支付宝签名算法相同"). Reference: the developer docs each Epay installation
 * publishes (usually <api_url>/doc.html), e.g. https://www.kancloud.cn/payapis/payapis/1352038
 * ("发起支付请求", "支付结果通知").
 *
 * Deliberately not done here: the server-to-server "mapi.php" API (QR codes / in-app payments),
 * refunds, order queries, the newer RSA-signed "v2" API, and amount checks against the order (the
 * billing core compares the returned amount with what it expects).
 */
/* exported version, config_schema, health_check, create_payment, verify_callback */

const PAYMENT_TYPES = ['alipay', 'wxpay', 'qqpay', 'tenpay', 'bank', 'jdpay', 'paypal', 'usdt'];

function version() {
  return '1.0.0';
}

function config_schema() {
  return {
    type: 'object',
    title: '易支付 (Epay)',
    description: 'Epay-compatible payment gateway (MD5 signature).',
    required: ['api_url', 'pid', 'key'],
    properties: {
      api_url: {
        type: 'string',
        format: 'uri',
        pattern: '^https?://',
        title: 'API address',
        description: 'Base address of the Epay installation, e.g. https://pay.example.com/ (submit.php and api.php live under it).',
      },
      pid: { type: 'string', pattern: '^[0-9]+$', title: 'Merchant ID (pid)', description: 'Numeric merchant id from the Epay console.' },
      key: { type: 'string', minLength: 1, writeOnly: true, title: 'Merchant key', description: 'MD5 signing key from the Epay console.' },
      payment_type: {
        type: 'string',
        enum: PAYMENT_TYPES,
        default: 'alipay',
        title: 'Payment method',
        description: 'The "type" sent to submit.php: alipay, wxpay, qqpay ...',
      },
      notify_url: {
        type: 'string',
        format: 'uri',
        title: 'Default notify URL',
        description: 'Asynchronous callback address, used when create_payment gets no notify_url.',
      },
      return_url: { type: 'string', format: 'uri', title: 'Default return URL', description: 'Where the customer lands after paying, used when create_payment gets no return_url.' },
      site_name: { type: 'string', maxLength: 64, title: 'Site name', description: 'Optional "sitename" shown on the payment page.' },
    },
  };
}

async function health_check(config) {
  const problem = configProblem(config);
  if (problem) return { healthy: false, error: problem };
  const url = baseOf(config.api_url) + '/api.php?act=query&pid=' + encodeURIComponent(config.pid) + '&key=' + encodeURIComponent(config.key);
  let response;
  try {
    response = await http.request({ method: 'GET', url: url });
  } catch (err) {
    return { healthy: false, error: 'Epay unreachable: ' + shortMessage(err) };
  }
  if (response.status >= 400) return { healthy: false, error: 'Epay answered HTTP ' + response.status };
  const json = jsonOf(response);
  if (!json || json.code === undefined) return { healthy: false, error: 'api.php?act=query did not answer Epay JSON (HTTP ' + response.status + ')' };
  if (Number(json.code) !== 1) return { healthy: false, error: 'merchant query refused: ' + clip(String(json.msg || 'code ' + json.code), 200) };
  return { healthy: true };
}

function create_payment(config, params) {
  const problem = configProblem(config);
  if (problem) throw new Error('yipay is not configured: ' + problem);
  const p = params && typeof params === 'object' ? params : {};
  if (p.order_id === undefined || p.order_id === null || String(p.order_id) === '') throw new Error('order_id is required');
  if (typeof p.amount !== 'string' || !/^\d+(\.\d{1,2})?$/.test(p.amount)) throw new Error('amount must be a decimal string with at most 2 decimals, got ' + JSON.stringify(p.amount));
  const notifyUrl = p.notify_url || config.notify_url;
  if (!notifyUrl) throw new Error('notify_url is required (params or config)');

  const fields = {
    pid: String(config.pid),
    type: config.payment_type || 'alipay',
    out_trade_no: String(p.order_id),
    notify_url: String(notifyUrl),
    return_url: String(p.return_url || config.return_url || ''),
    name: clip(String(p.subject || 'Order ' + p.order_id), 100),
    money: p.amount,
    sitename: config.site_name ? String(config.site_name) : '',
  };
  fields.sign = signOf(fields, config.key);
  fields.sign_type = 'MD5';
  const query = Object.keys(fields)
    .filter((k) => fields[k] !== '')
    .map((k) => k + '=' + encodeURIComponent(fields[k]))
    .join('&');
  return { redirect_url: baseOf(config.api_url) + '/submit.php?' + query };
}

function verify_callback(config, params) {
  const problem = configProblem(config);
  if (problem) throw new Error('yipay is not configured: ' + problem);
  const p = params && typeof params === 'object' ? params : {};
  const fields = {};
  const query = p.query && typeof p.query === 'object' ? p.query : {};
  for (const k in query) fields[k] = String(query[k]);
  if (typeof p.body === 'string' && p.body !== '' && isForm(p.headers)) {
    const form = parseForm(p.body);
    for (const k in form) fields[k] = form[k];
  }

  const reject = (reason) => {
    log.warn('epay callback rejected', { reason: reason, out_trade_no: fields.out_trade_no || null });
    return { valid: false, reply: 'fail' };
  };
  if (!fields.sign) return reject('no sign');
  if (fields.sign_type && fields.sign_type.toUpperCase() !== 'MD5') return reject('unsupported sign_type');
  const expected = signOf(fields, config.key);
  if (!crypto.timingSafeEqual(expected, fields.sign.toLowerCase())) return reject('bad sign');
  if (fields.pid !== String(config.pid)) return reject('pid mismatch');
  if (!fields.out_trade_no) return reject('no out_trade_no');
  if (!/^\d+(\.\d+)?$/.test(fields.money || '')) return reject('money missing or malformed');

  const result = {
    valid: true,
    order_id: fields.out_trade_no,
    amount: fields.money,
    status: fields.trade_status === 'TRADE_SUCCESS' ? 'paid' : 'pending',
    reply: 'success',
  };
  if (fields.trade_no) result.payment_reference = fields.trade_no;
  log.info('epay callback verified', { out_trade_no: result.order_id, status: result.status });
  return result;
}

// ---------------------------------------------------------------------------------------------

// Helpers below are `const` function expressions, not declarations, so that only the contract
// functions above are plugin functions (top-level function declarations are callable).

/** md5(k1=v1&k2=v2...key) over the non-empty fields except sign/sign_type, names sorted. */
const signOf = function (fields, key) {
  const names = Object.keys(fields)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && fields[k] !== undefined && fields[k] !== null && String(fields[k]) !== '')
    .sort();
  const text = names.map((k) => k + '=' + fields[k]).join('&');
  return crypto.md5(text + key, 'hex');
};

const parseForm = function (body) {
  const out = {};
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decodeForm(at < 0 ? pair : pair.slice(0, at));
    out[name] = decodeForm(at < 0 ? '' : pair.slice(at + 1));
  }
  return out;
};

const decodeForm = function (text) {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
};

const isForm = function (headers) {
  if (!headers || typeof headers !== 'object') return true;
  for (const name in headers) {
    if (name.toLowerCase() === 'content-type') return /application\/x-www-form-urlencoded/i.test(String(headers[name]));
  }
  return true;
};

const jsonOf = function (response) {
  if (response.json !== undefined) return response.json;
  try {
    return JSON.parse(response.body);
  } catch {
    return null;
  }
};

const baseOf = function (url) {
  return String(url).replace(/\/+$/, '');
};

const configProblem = function (config) {
  if (!config || typeof config !== 'object') return 'config is missing';
  if (typeof config.api_url !== 'string' || !/^https?:\/\/[^\s]+$/.test(config.api_url)) return 'api_url must be an http(s) URL';
  if (typeof config.pid !== 'string' && typeof config.pid !== 'number') return 'pid is not configured';
  if (!/^[0-9]+$/.test(String(config.pid))) return 'pid must be numeric';
  if (typeof config.key !== 'string' || config.key === '') return 'key is not configured';
  if (config.payment_type !== undefined && PAYMENT_TYPES.indexOf(config.payment_type) < 0) return 'payment_type is not supported';
  return null;
};

const clip = function (text, max) {
  return text.length > max ? text.slice(0, max) : text;
};

const shortMessage = function (err) {
  const text = err && err.message ? String(err.message) : String(err);
  return text.length > 300 ? text.slice(0, 300) + '…' : text;
};
