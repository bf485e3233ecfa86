import { createHmac } from 'node:crypto';
import { closedPort } from '../support/fake-servers/closed-port.js';
import { HttpTarget, type ScriptedResponse } from '../support/fake-servers/http-target.js';
import { loadPlugin, type PluginHarness } from '../support/plugin-harness.js';

/**
 * plugins/notifier/feishu.js against a local stand-in for a Feishu custom bot webhook: message
 * shapes, the signature (recomputed here with node:crypto the way Feishu's doc samples do), and the
 * classification of Feishu's { code, msg } answers.
 */
describe('notifier/feishu', () => {
  let target: HttpTarget;
  let plugin: PluginHarness;
  let refusedPort: number;
  const secret = 'qxW0h8f0DtQ2Y4hAbC9d';

  const params = (overrides: Record<string, unknown> = {}) => ({
    notification_id: 'ntf-7',
    event_type: 'ticket_replied',
    title: 'New reply on ticket #7',
    body: '**Alice** wrote: the VPS is back up 🎉',
    recipient: null,
    data: { ticket_id: '7' },
    metadata: {},
    attempt: 1,
    occurred_at: '2025-06-05T09:00:00Z',
    ...overrides,
  });
  const config = (overrides: Record<string, unknown> = {}) => ({ webhook_url: target.url('/open-apis/bot/v2/hook/tok-123'), ...overrides });
  const hookPath = '/open-apis/bot/v2/hook/tok-123';
  /** sign = base64(HMAC-SHA256(key = "<timestamp>\n<secret>", message = "")) per the Feishu doc samples. */
  const feishuSign = (timestamp: string) => createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');

  beforeAll(async () => {
    target = await HttpTarget.start();
    refusedPort = await closedPort();
    plugin = await loadPlugin('notifier/feishu.js', { allow: [target.hostPort, `127.0.0.1:${refusedPort}`] });
  });
  beforeEach(() => target.reset());
  afterAll(async () => {
    await plugin?.close();
    await target?.close();
  });

  it('declares the chat channel and the system events (or the configured ones)', async () => {
    expect(await plugin.call('channel', {})).toBe('chat');
    expect(await plugin.call('supported_events', config())).toContain('order_paid');
    expect(await plugin.call('supported_events', config({ events: ['test'] }))).toEqual(['test']);
  });

  it('posts a text message: title and body, no signature fields without a secret', async () => {
    target.on('POST', hookPath, { body: { code: 0, msg: 'success', data: {} } });
    expect(await plugin.call('send', config(), params())).toEqual({ outcome: 'success' });
    expect(target.requests).toHaveLength(1);
    const request = target.requests[0];
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.json).toEqual({
      msg_type: 'text',
      content: { text: 'New reply on ticket #7\n**Alice** wrote: the VPS is back up 🎉' },
    });
  });

  it('posts an interactive card with the title as header and the body as lark_md', async () => {
    target.on('POST', hookPath, { body: { code: 0, msg: 'success', data: {} } });
    expect(await plugin.call('send', config({ message_type: 'card', card_template: 'green' }), params())).toEqual({ outcome: 'success' });
    expect(target.requests[0].json).toEqual({
      msg_type: 'interactive',
      card: {
        config: { wide_screen_mode: true },
        header: { title: { tag: 'plain_text', content: 'New reply on ticket #7' }, template: 'green' },
        elements: [
          { tag: 'div', text: { tag: 'lark_md', content: '**Alice** wrote: the VPS is back up 🎉' } },
          { tag: 'note', elements: [{ tag: 'plain_text', content: 'ticket_replied · 2025-06-05T09:00:00Z' }] },
        ],
      },
    });
  });

  it('signs with timestamp and sign when a secret is set; Feishu\'s check (recomputed here) accepts it', async () => {
    target.on('POST', hookPath, (request) => {
      const body = request.json as { timestamp?: string; sign?: string };
      const fresh = Math.abs(Number(body.timestamp) - Date.now() / 1000) < 3600;
      const ok = typeof body.timestamp === 'string' && fresh && body.sign === feishuSign(body.timestamp);
      return { body: ok ? { code: 0, msg: 'success', data: {} } : { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' } };
    });
    const before = Math.floor(Date.now() / 1000);
    expect(await plugin.call('send', config({ secret }), params())).toEqual({ outcome: 'success' });
    const body = target.requests[0].json as Record<string, unknown>;
    expect(Number(body.timestamp)).toBeGreaterThanOrEqual(before);
    expect(body.sign).toBe(feishuSign(String(body.timestamp)));
    expect(body).toMatchObject({ msg_type: 'text', content: { text: expect.stringContaining('New reply') } });

    // The same check refuses another secret: proves the fake verifies.
    expect(await plugin.call('send', config({ secret: 'another-secret' }), params())).toMatchObject({
      outcome: 'permanent_fail',
      error_code: 'provider_auth_failed',
    });
  });

  describe('classifies Feishu answers', () => {
    const rows: [string, ScriptedResponse, Record<string, unknown>][] = [
      ['code 0', { body: { code: 0, msg: 'success', data: {} } }, { outcome: 'success' }],
      ['legacy StatusCode 0', { body: { Extra: null, StatusCode: 0, StatusMessage: 'success' } }, { outcome: 'success' }],
      ['11232 frequency limited', { body: { code: 11232, msg: 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1]' } }, { outcome: 'temporary_fail', error_code: 'provider_rate_limited' }],
      ['9499 too many request', { body: { code: 9499, msg: 'too many request' } }, { outcome: 'temporary_fail', error_code: 'provider_rate_limited' }],
      ['9499 Bad Request', { body: { code: 9499, msg: 'Bad Request', data: {} } }, { outcome: 'permanent_fail', error_code: 'payload_invalid' }],
      ['9499 on HTTP 400', { status: 400, body: { code: 9499, msg: 'Bad Request' } }, { outcome: 'permanent_fail', error_code: 'payload_invalid' }],
      ['19001 token invalid', { body: { code: 19001, msg: 'param invalid: incoming webhook access token invalid', data: {} } }, { outcome: 'permanent_fail', error_code: 'invalid_url' }],
      ['19002 param invalid', { body: { code: 19002, msg: 'params error, msg_type need' } }, { outcome: 'permanent_fail', error_code: 'payload_invalid' }],
      ['19021 sign match fail', { body: { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' } }, { outcome: 'permanent_fail', error_code: 'provider_auth_failed' }],
      ['19022 ip not allowed', { body: { code: 19022, msg: 'Ip Not Allowed' } }, { outcome: 'permanent_fail', error_code: 'provider_auth_failed' }],
      ['19024 keyword missing', { body: { code: 19024, msg: 'Key Words Not Found' } }, { outcome: 'permanent_fail', error_code: 'provider_auth_failed' }],
      ['unknown code', { body: { code: 12345, msg: 'something new' } }, { outcome: 'permanent_fail', error_code: 'payload_invalid' }],
      ['HTTP 429', { status: 429, headers: { 'retry-after': '7' }, body: 'slow down' }, { outcome: 'temporary_fail', error_code: 'provider_rate_limited', retry_after_seconds: 7 }],
      ['HTTP 500 with a code body', { status: 500, body: { code: 0 } }, { outcome: 'temporary_fail', error_code: 'provider_5xx' }],
      ['HTTP 502 HTML', { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>bad gateway</html>' }, { outcome: 'temporary_fail', error_code: 'provider_5xx' }],
      ['HTTP 200 not Feishu JSON', { status: 200, headers: { 'content-type': 'text/html' }, body: '<html>portal</html>' }, { outcome: 'temporary_fail', error_code: 'provider_5xx' }],
      ['HTTP 404 without JSON', { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found' }, { outcome: 'permanent_fail', error_code: 'invalid_url' }],
      ['HTTP 403 without JSON', { status: 403, headers: { 'content-type': 'text/plain' }, body: 'forbidden' }, { outcome: 'permanent_fail', error_code: 'provider_auth_failed' }],
    ];
    it.each(rows)('%s', async (_name, reply, expected) => {
      target.on('POST', hookPath, reply);
      const result = await plugin.call('send', config(), params());
      expect(result).toMatchObject(expected);
      if (result.outcome !== 'success') expect(result.error_message).toEqual(expect.any(String));
    });

    it('the Feishu code and msg are in error_message', async () => {
      target.on('POST', hookPath, { body: { code: 19024, msg: 'Key Words Not Found' } });
      expect((await plugin.call('send', config(), params())).error_message).toBe('Feishu code 19024: Key Words Not Found');
    });

    it('timeout: temporary provider_timeout; connection refused: temporary network_error', async () => {
      target.on('POST', hookPath, { delayMs: 3_000, body: { code: 0 } });
      expect(await plugin.call('send', config({ timeout_ms: 300 }), params())).toMatchObject({ outcome: 'temporary_fail', error_code: 'provider_timeout' });
      expect(await plugin.call('send', config({ webhook_url: `http://127.0.0.1:${refusedPort}/hook` }), params())).toMatchObject({
        outcome: 'temporary_fail',
        error_code: 'network_error',
      });
    });
  });

  describe('health_check probes without posting a message', () => {
    it('healthy when Feishu gets past token and signature checks (it refuses the empty probe for content)', async () => {
      target.on('POST', hookPath, { body: { code: 9499, msg: 'Bad Request', data: {} } });
      expect(await plugin.call('health_check', config({ secret }))).toEqual({ healthy: true });
      const probe = target.requests[0].json as Record<string, unknown>;
      expect(probe.msg_type).toBeUndefined();
      expect(probe.sign).toBe(feishuSign(String(probe.timestamp)));
    });

    it('unhealthy on an invalid token, a refused signature, 5xx, non-Feishu answers and unreachable hosts', async () => {
      target.on('POST', hookPath, { body: { code: 19001, msg: 'param invalid: incoming webhook access token invalid' } });
      expect(await plugin.call('health_check', config())).toEqual({ healthy: false, error: 'Feishu code 19001: param invalid: incoming webhook access token invalid' });
      target.on('POST', hookPath, { body: { code: 19021, msg: 'sign match fail' } });
      expect(await plugin.call('health_check', config({ secret }))).toMatchObject({ healthy: false, error: expect.stringContaining('19021') });
      target.on('POST', hookPath, { status: 503, body: 'down' });
      expect(await plugin.call('health_check', config())).toEqual({ healthy: false, error: 'Feishu answered HTTP 503' });
      target.on('POST', hookPath, { status: 200, headers: { 'content-type': 'text/html' }, body: '<html></html>' });
      expect(await plugin.call('health_check', config())).toMatchObject({ healthy: false, error: expect.stringContaining('not a Feishu webhook') });
      expect(await plugin.call('health_check', config({ webhook_url: `http://127.0.0.1:${refusedPort}/hook` }))).toMatchObject({
        healthy: false,
        error: expect.stringContaining('unreachable'),
      });
      expect(await plugin.call('health_check', { webhook_url: 'ftp://nope' })).toEqual({ healthy: false, error: 'webhook_url must be an http(s) URL' });
    });
  });

  it('never logs the webhook token, the secret or the message', async () => {
    target.on('POST', hookPath, { body: { code: 0, msg: 'success' } });
    await plugin.call('send', config({ secret }), params());
    const logged = JSON.stringify(plugin.logs);
    expect(logged).toContain('feishu answered');
    expect(logged).not.toContain('tok-123');
    expect(logged).not.toContain(secret);
    expect(logged).not.toContain('VPS is back up');
  });
});
