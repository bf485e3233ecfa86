import { createHash } from 'node:crypto';
import { closedPort } from '../support/fake-servers/closed-port.js';
import { HttpTarget } from '../support/fake-servers/http-target.js';
import { loadPlugin, type PluginHarness } from '../support/plugin-harness.js';

/**
 * plugins/gateway/yipay.js: signatures are recomputed here with node:crypto from the Epay rule
 * (sorted non-empty params except sign/sign_type, "k=v&k2=v2" + key, MD5 hex), not taken from the
 * script, so a wrong order, encoding or key placement fails.
 */
describe('gateway/yipay', () => {
  let target: HttpTarget;
  let plugin: PluginHarness;
  let refusedPort: number;
  const key = 'Kx9mP2qR7sT4vW8yZ1aB3cD5eF6gH0jL';
  const config = () => ({
    api_url: target.url('/'),
    pid: '1001',
    key,
    payment_type: 'wxpay',
    notify_url: 'https://shop.example/pay/notify',
    return_url: 'https://shop.example/pay/done',
  });

  const epaySign = (fields: Record<string, string>, withKey = key) => {
    const text = Object.keys(fields)
      .filter((k) => k !== 'sign' && k !== 'sign_type' && fields[k] !== '')
      .sort()
      .map((k) => `${k}=${fields[k]}`)
      .join('&');
    return createHash('md5').update(text + withKey, 'utf8').digest('hex');
  };
  const notification = (overrides: Record<string, string> = {}) => {
    const fields: Record<string, string> = {
      pid: '1001',
      trade_no: '2025060509000012345',
      out_trade_no: 'o-2001',
      type: 'wxpay',
      name: 'VPS 套餐 S',
      money: '12.50',
      trade_status: 'TRADE_SUCCESS',
      ...overrides,
    };
    return { ...fields, sign: epaySign(fields), sign_type: 'MD5' };
  };
  const callback = (query: Record<string, string>) => ({ method: 'GET', query, body: '', headers: {} });

  beforeAll(async () => {
    target = await HttpTarget.start();
    refusedPort = await closedPort();
    plugin = await loadPlugin('gateway/yipay.js', { allow: [target.hostPort, `127.0.0.1:${refusedPort}`] });
  });
  beforeEach(() => target.reset());
  afterAll(async () => {
    await plugin?.close();
    await target?.close();
  });

  describe('create_payment', () => {
    it('builds the submit.php URL with every parameter and an MD5 sign over the sorted raw values', async () => {
      const result = await plugin.call('create_payment', config(), {
        order_id: 'o-2001',
        amount: '12.50',
        currency: 'CNY',
        subject: 'VPS 套餐 S & more',
        return_url: 'https://shop.example/orders/o-2001?tab=pay',
      });
      expect(Object.keys(result)).toEqual(['redirect_url']);
      const url = new URL(result.redirect_url);
      expect(`${url.origin}${url.pathname}`).toBe(target.url('/submit.php'));
      const query = Object.fromEntries(url.searchParams);
      expect(query).toEqual({
        pid: '1001',
        type: 'wxpay',
        out_trade_no: 'o-2001',
        notify_url: 'https://shop.example/pay/notify',
        return_url: 'https://shop.example/orders/o-2001?tab=pay',
        name: 'VPS 套餐 S & more',
        money: '12.50',
        sign: expect.stringMatching(/^[0-9a-f]{32}$/),
        sign_type: 'MD5',
      });
      expect(query.sign).toBe(epaySign(query));
    });

    it('takes notify_url/return_url from the config when the call has none, and sitename when configured', async () => {
      const result = await plugin.call('create_payment', { ...config(), site_name: 'Acme' }, { order_id: '9', amount: '1', currency: 'CNY', subject: 'x' });
      const query = Object.fromEntries(new URL(result.redirect_url).searchParams);
      expect(query).toMatchObject({ notify_url: 'https://shop.example/pay/notify', return_url: 'https://shop.example/pay/done', sitename: 'Acme' });
      expect(query.sign).toBe(epaySign(query));
    });

    it('refuses amounts with more than two decimals and a missing notify_url', async () => {
      await expect(plugin.call('create_payment', config(), { order_id: '9', amount: '1.005', currency: 'CNY', subject: 'x' })).rejects.toMatchObject({
        code: 'plugins.script_error',
        message: expect.stringContaining('amount'),
      });
      const { notify_url: _omit, ...noNotify } = config();
      await expect(plugin.call('create_payment', noNotify, { order_id: '9', amount: '1.00', currency: 'CNY', subject: 'x' })).rejects.toMatchObject({
        code: 'plugins.script_error',
        message: expect.stringContaining('notify_url is required'),
      });
    });
  });

  describe('verify_callback', () => {
    it('a correctly signed TRADE_SUCCESS notification: valid, paid, replies "success"', async () => {
      expect(await plugin.call('verify_callback', config(), callback(notification()))).toEqual({
        valid: true,
        order_id: 'o-2001',
        payment_reference: '2025060509000012345',
        amount: '12.50',
        status: 'paid',
        reply: 'success',
      });
    });

    it('accepts the parameters as a form-encoded POST body too, and an upper-case sign', async () => {
      const fields = notification();
      const body = new URLSearchParams({ ...fields, sign: fields.sign.toUpperCase() }).toString();
      const result = await plugin.call('verify_callback', config(), {
        method: 'POST',
        query: {},
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(result).toMatchObject({ valid: true, status: 'paid', order_id: 'o-2001' });
    });

    it('a signed notification that is not TRADE_SUCCESS is authentic but not paid', async () => {
      expect(await plugin.call('verify_callback', config(), callback(notification({ trade_status: 'WAIT_BUYER_PAY' })))).toMatchObject({
        valid: true,
        status: 'pending',
      });
    });

    const rejected: [string, () => Record<string, string>][] = [
      ['a tampered amount', () => ({ ...notification(), money: '0.01' })],
      ['a sign made with another key', () => {
        const fields = notification();
        return { ...fields, sign: epaySign(fields, 'wrong-key') };
      }],
      ['another merchant (validly signed)', () => notification({ pid: '2002' })],
      ['no sign', () => {
        const { sign: _omit, ...rest } = notification();
        return rest;
      }],
      ['an unsupported sign_type', () => ({ ...notification(), sign_type: 'RSA' })],
      ['a malformed money field (validly signed)', () => notification({ money: '12,50' })],
    ];
    it.each(rejected)('%s: valid false, replies "fail"', async (_name, query) => {
      expect(await plugin.call('verify_callback', config(), callback(query()))).toEqual({ valid: false, reply: 'fail' });
    });
  });

  describe('health_check asks the merchant API (act=query)', () => {
    it('healthy when Epay answers code 1 for this pid and key', async () => {
      target.on('GET', '/api.php', { body: { code: 1, pid: 1001, key, active: 1, money: '0.00' } });
      expect(await plugin.call('health_check', config())).toEqual({ healthy: true });
      const sent = new URL(target.requests[0].path, 'http://x');
      expect(sent.pathname).toBe('/api.php');
      expect(Object.fromEntries(sent.searchParams)).toEqual({ act: 'query', pid: '1001', key });
    });

    it('unhealthy, without throwing, on refusal, 5xx, non-JSON and unreachable hosts', async () => {
      target.on('GET', '/api.php', { headers: { 'content-type': 'text/html' }, body: '{"code":-1,"msg":"KEY校验失败"}' });
      expect(await plugin.call('health_check', config())).toEqual({ healthy: false, error: 'merchant query refused: KEY校验失败' });
      target.on('GET', '/api.php', { status: 502, body: 'bad gateway' });
      expect(await plugin.call('health_check', config())).toEqual({ healthy: false, error: 'Epay answered HTTP 502' });
      target.on('GET', '/api.php', { headers: { 'content-type': 'text/html' }, body: '<html>hello</html>' });
      expect(await plugin.call('health_check', config())).toMatchObject({ healthy: false, error: expect.stringContaining('did not answer Epay JSON') });
      expect(await plugin.call('health_check', { ...config(), api_url: `http://127.0.0.1:${refusedPort}/` })).toMatchObject({
        healthy: false,
        error: expect.stringContaining('unreachable'),
      });
    });
  });

  it('never logs the merchant key', async () => {
    target.on('GET', '/api.php', { body: { code: 1 } });
    await plugin.call('health_check', config());
    await plugin.call('verify_callback', config(), callback(notification()));
    expect(JSON.stringify(plugin.logs)).not.toContain(key);
  });
});
