import { createHmac, randomBytes } from 'node:crypto';
import { closedPort } from '../support/fake-servers/closed-port.js';
import { HttpTarget, type RecordedRequest } from '../support/fake-servers/http-target.js';
import { loadPlugin, type PluginHarness } from '../support/plugin-harness.js';

/**
 * plugins/notifier/webhook.js against a local endpoint that checks Standard Webhooks signatures
 * itself (node:crypto), so a wrong key, a wrong signed content or a wrong encoding fails here.
 * Every case runs twice: the script in the sandbox, and its send() as the host-code twin the
 * server runs for the shipped script (src/modules/plugins/builtin/webhook-send.ts), so the two
 * cannot drift apart.
 */
describe.each([
  ['in the sandbox', false],
  ['send() as host code', true],
])('notifier/webhook, %s', (_name, trustedBuiltins) => {
  let target: HttpTarget;
  let plugin: PluginHarness;
  let refusedPort: number;
  // First byte ≥ 0x80: the key is raw bytes, not UTF-8 text.
  const key = Buffer.concat([Buffer.from([0xff, 0x80, 0x00]), randomBytes(29)]);
  const secret = `whsec_${key.toString('base64')}`;

  const expectedSignature = (request: RecordedRequest, withKey: Uint8Array = key) => {
    const id = String(request.headers['webhook-id']);
    const timestamp = String(request.headers['webhook-timestamp']);
    return `v1,${createHmac('sha256', withKey).update(`${id}.${timestamp}.${request.body}`, 'utf8').digest('base64')}`;
  };
  /** Answers 401 unless the signature verifies with `withKey`, like a real receiver. */
  const verifyingReceiver = (withKey: Uint8Array) => (request: RecordedRequest) => ({ status: request.headers['webhook-signature'] === expectedSignature(request, withKey) ? 204 : 401 });

  const params = (overrides: Record<string, unknown> = {}) => ({
    notification_id: 'ntf-0192a123',
    event_type: 'order_paid',
    title: 'Order #42 paid ✓',
    body: 'Thanks — we received 12.50 € for order 42.',
    recipient: null,
    data: { order_id: '42', amount: '12.50', customer: { name: 'Zoë' } },
    metadata: { source: 'billing' },
    attempt: 1,
    occurred_at: '2025-06-05T09:00:00Z',
    trace_id: 'trace-1',
    ...overrides,
  });
  const config = (overrides: Record<string, unknown> = {}) => ({ url: target.url('/hook'), secret, ...overrides });

  beforeAll(async () => {
    target = await HttpTarget.start();
    refusedPort = await closedPort();
    plugin = await loadPlugin('notifier/webhook.js', { allow: [target.hostPort, `127.0.0.1:${refusedPort}`], trustedBuiltins });
  });
  afterAll(() => {
    // The side named ran every send (the twin answers send() only, the sandbox everything else).
    if (trustedBuiltins) expect(plugin.builtinCalls()).toBeGreaterThan(20);
    else expect(plugin.builtinCalls()).toBe(0);
  });
  beforeEach(() => target.reset());
  afterAll(async () => {
    await plugin?.close();
    await target?.close();
  });

  it('declares the webhook channel, a semver version and the system events (or the configured ones)', async () => {
    expect(await plugin.call('channel', {})).toBe('webhook');
    expect(await plugin.call('version', {})).toMatch(/^\d+\.\d+\.\d+$/);
    expect(await plugin.call('supported_events', config())).toEqual([
      'order_paid',
      'order_provisioned',
      'order_cancelled',
      'ticket_assigned',
      'ticket_replied',
      'user.created',
      'password.reset_requested',
      'report.generated',
      'test',
    ]);
    expect(await plugin.call('supported_events', config({ events: ['order_paid', 'user.created'] }))).toEqual(['order_paid', 'user.created']);
  });

  it('POSTs the notification as JSON with Standard Webhooks headers the receiver can verify', async () => {
    target.on('POST', '/hook', verifyingReceiver(key));
    const before = Math.floor(Date.now() / 1000);
    const result = await plugin.call('send', config(), params());
    const after = Math.floor(Date.now() / 1000);

    expect(result).toEqual({ outcome: 'success' });
    expect(target.requests).toHaveLength(1);
    const request = target.requests[0];
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hook');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-id']).toBe('ntf-0192a123');
    const timestamp = Number(request.headers['webhook-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
    expect(request.headers['webhook-signature']).toBe(expectedSignature(request));
    expect(request.json).toEqual({
      type: 'order_paid',
      timestamp: '2025-06-05T09:00:00Z',
      data: {
        notification_id: 'ntf-0192a123',
        title: 'Order #42 paid ✓',
        body: 'Thanks — we received 12.50 € for order 42.',
        recipient: null,
        recipients: [],
        event: { order_id: '42', amount: '12.50', customer: { name: 'Zoë' } },
        metadata: { source: 'billing' },
        trace_id: 'trace-1',
      },
    });
  });

  it('keeps webhook-id and the body identical on a retry, with a fresh valid signature', async () => {
    target.on('POST', '/hook', verifyingReceiver(key));
    expect(await plugin.call('send', config(), params({ attempt: 1 }))).toEqual({ outcome: 'success' });
    expect(await plugin.call('send', config(), params({ attempt: 2 }))).toEqual({ outcome: 'success' });

    const [first, second] = target.requests;
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.body).toBe(first.body);
    expect(second.headers['webhook-signature']).toBe(expectedSignature(second));
  });

  it('signs with keys longer than the HMAC block (hashed first) and with large bodies', async () => {
    const longKey = randomBytes(96);
    target.on('POST', '/hook', verifyingReceiver(longKey));
    const result = await plugin.call('send', config({ secret: `whsec_${longKey.toString('base64')}` }), params({ body: '汉字 and emoji 🎉 '.repeat(400) }));
    expect(result).toEqual({ outcome: 'success' });
    expect(target.requests[0].body.length).toBeGreaterThan(6_000);
  });

  it('a receiver holding another key refuses the signature: permanent provider_auth_failed', async () => {
    target.on('POST', '/hook', verifyingReceiver(randomBytes(32)));
    expect(await plugin.call('send', config(), params())).toEqual({
      outcome: 'permanent_fail',
      error_code: 'provider_auth_failed',
      error_message: 'endpoint answered HTTP 401',
    });
  });

  describe('classifies each answer', () => {
    const rows: [string, number, Record<string, string>, Record<string, unknown>][] = [
      ['200', 200, {}, { outcome: 'success' }],
      ['201', 201, {}, { outcome: 'success' }],
      ['204', 204, {}, { outcome: 'success' }],
      ['408', 408, {}, { outcome: 'temporary_fail', error_code: 'provider_timeout' }],
      ['429 with Retry-After seconds', 429, { 'retry-after': '30' }, { outcome: 'temporary_fail', error_code: 'provider_rate_limited', retry_after_seconds: 30 }],
      ['429 without Retry-After', 429, {}, { outcome: 'temporary_fail', error_code: 'provider_rate_limited' }],
      ['500', 500, {}, { outcome: 'temporary_fail', error_code: 'provider_5xx' }],
      ['502', 502, {}, { outcome: 'temporary_fail', error_code: 'provider_5xx' }],
      ['503 with Retry-After', 503, { 'retry-after': '120' }, { outcome: 'temporary_fail', error_code: 'provider_5xx', retry_after_seconds: 120 }],
      ['400', 400, {}, { outcome: 'permanent_fail', error_code: 'payload_invalid' }],
      ['413', 413, {}, { outcome: 'permanent_fail', error_code: 'payload_invalid' }],
      ['422', 422, {}, { outcome: 'permanent_fail', error_code: 'payload_invalid' }],
      ['401', 401, {}, { outcome: 'permanent_fail', error_code: 'provider_auth_failed' }],
      ['403', 403, {}, { outcome: 'permanent_fail', error_code: 'provider_auth_failed' }],
      ['404', 404, {}, { outcome: 'permanent_fail', error_code: 'invalid_url' }],
      ['410 Gone', 410, {}, { outcome: 'permanent_fail', error_code: 'invalid_url' }],
      ['301 (not followed)', 301, { location: '/elsewhere' }, { outcome: 'permanent_fail', error_code: 'invalid_url' }],
    ];
    it.each(rows)('HTTP %s', async (_name, status, headers, expected) => {
      target.on('POST', '/hook', { status, headers, body: status === 204 ? undefined : 'x' });
      const result = await plugin.call('send', config(), params());
      expect(result).toMatchObject(expected);
      if (!('retry_after_seconds' in expected)) expect(result.retry_after_seconds).toBeUndefined();
      expect(target.requests).toHaveLength(1);
    });

    it('429 with an HTTP-date Retry-After: seconds until then', async () => {
      target.on('POST', '/hook', { status: 429, headers: { 'retry-after': new Date(Date.now() + 90_000).toUTCString() } });
      const result = await plugin.call('send', config(), params());
      expect(result.error_code).toBe('provider_rate_limited');
      expect(result.retry_after_seconds).toBeGreaterThanOrEqual(85);
      expect(result.retry_after_seconds).toBeLessThanOrEqual(91);
    });

    it('a slow endpoint: temporary provider_timeout', async () => {
      target.on('POST', '/hook', { status: 200, delayMs: 3_000 });
      expect(await plugin.call('send', config({ timeout_ms: 300 }), params())).toMatchObject({ outcome: 'temporary_fail', error_code: 'provider_timeout' });
    });

    it('connection refused: temporary network_error', async () => {
      expect(await plugin.call('send', config({ url: `http://127.0.0.1:${refusedPort}/hook` }), params())).toMatchObject({
        outcome: 'temporary_fail',
        error_code: 'network_error',
      });
    });

    it('a private address the host refuses: permanent invalid_url, nothing sent', async () => {
      expect(await plugin.call('send', config({ url: 'http://169.254.169.254/latest' }), params())).toMatchObject({
        outcome: 'permanent_fail',
        error_code: 'invalid_url',
      });
    });

    it('a secret that is not whsec_<base64>: permanent provider_auth_failed, nothing sent', async () => {
      expect(await plugin.call('send', config({ secret: 'not-a-secret' }), params())).toMatchObject({ outcome: 'permanent_fail', error_code: 'provider_auth_failed' });
      expect(target.requests).toHaveLength(0);
    });

    it('no notification_id: permanent payload_invalid, nothing sent', async () => {
      expect(await plugin.call('send', config(), params({ notification_id: null }))).toMatchObject({ outcome: 'permanent_fail', error_code: 'payload_invalid' });
      expect(target.requests).toHaveLength(0);
    });
  });

  it('never logs the secret, the signature or the payload', async () => {
    target.on('POST', '/hook', verifyingReceiver(key));
    await plugin.call('send', config(), params({ body: 'very private body text' }));
    const logged = JSON.stringify(plugin.logs);
    expect(logged).toContain('webhook answered');
    expect(logged).not.toContain(secret.slice(6));
    expect(logged).not.toContain(String(target.requests[0].headers['webhook-signature']));
    expect(logged).not.toContain('very private body text');
  });

  describe('health_check', () => {
    it('healthy when the endpoint answers below 500 (a GET, no message delivered)', async () => {
      target.on('GET', '/hook', { status: 405 });
      expect(await plugin.call('health_check', config())).toEqual({ healthy: true });
      expect(target.requests.map((r) => r.method)).toEqual(['GET']);
    });

    it('unhealthy on 5xx, unreachable endpoints and bad config, without throwing', async () => {
      target.on('GET', '/hook', { status: 503 });
      expect(await plugin.call('health_check', config())).toEqual({ healthy: false, error: 'endpoint answered HTTP 503' });
      expect(await plugin.call('health_check', config({ url: `http://127.0.0.1:${refusedPort}/` }))).toMatchObject({
        healthy: false,
        error: expect.stringContaining('unreachable'),
      });
      expect(await plugin.call('health_check', config({ secret: 'whsec_!!' }))).toMatchObject({ healthy: false, error: expect.stringContaining('secret') });
    });
  });
});
