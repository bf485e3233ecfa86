import { gzipSync } from 'node:zlib';
import { closedPort } from '../../../../test/support/fake-servers/closed-port.js';
import { HttpTarget } from '../../../../test/support/fake-servers/http-target.js';
import type { HostResolver } from './address-guard.js';
import { DefaultHostApi } from './default-host-api.js';
import { HostApiError, type HostApiSettings, type HostCallContext, type HostLogEntry } from './host-api.types.js';
import { rejectionOf } from '../../../../test/support/rejection.js';

const ctx: HostCallContext = { plugin: 'notifier/webhook', interfaceId: 'if-1', traceId: 'trace-1', fn: 'send' };

function settings(http: Partial<HostApiSettings['http']> = {}): HostApiSettings {
  return {
    http: { defaultTimeoutMs: 5_000, maxTimeoutMs: 10_000, maxResponseBytes: 64 * 1024, maxRequestBytes: 16 * 1024, allow: [], ...http },
    mail: { smtpUrl: null, from: 'Switchboard <switchboard@localhost>', timeoutMs: 2_000 },
  };
}

/** Resolves to the HostApiError the call failed with; fails the test when it succeeded or threw something else. */
const failure = (call: Promise<unknown>) => rejectionOf(call, HostApiError);

describe('DefaultHostApi.httpRequest', () => {
  let target: HttpTarget;
  let other: HttpTarget;
  let logs: HostLogEntry[];
  let api: DefaultHostApi;

  beforeAll(async () => {
    target = await HttpTarget.start();
    other = await HttpTarget.start();
  });
  afterAll(async () => {
    await target.close();
    await other.close();
  });
  beforeEach(() => {
    target.reset();
    other.reset();
    logs = [];
    api = new DefaultHostApi(settings({ allow: [target.hostPort] }), (entry) => logs.push(entry));
  });

  describe('round trips', () => {
    it('GETs JSON', async () => {
      target.on('GET', '/items', { body: { items: [1, 2] }, headers: { 'X-Request-Id': 'r-1' } });
      const response = await api.httpRequest({ url: target.url('/items?page=2') }, ctx);
      expect(response.status).toBe(200);
      expect(response.json).toEqual({ items: [1, 2] });
      expect(response.body).toBe('{"items":[1,2]}');
      expect(response.headers['content-type']).toBe('application/json');
      expect(response.headers['x-request-id']).toBe('r-1');
      expect(target.requests).toHaveLength(1);
      expect(target.requests[0]).toMatchObject({ method: 'GET', path: '/items?page=2', body: '' });
    });

    it('POSTs an object as JSON and sends the script headers', async () => {
      target.on('POST', '/hook', (request) => ({ status: 201, body: { echoed: request.json } }));
      const response = await api.httpRequest(
        { method: 'post', url: target.url('/hook'), headers: { 'X-Signature': 'abc123', Authorization: 'Bearer t0ken' }, body: { event: 'invoice.paid', amount: 12.5 } },
        ctx,
      );
      expect(response.status).toBe(201);
      expect(response.json).toEqual({ echoed: { event: 'invoice.paid', amount: 12.5 } });
      const received = target.requests[0];
      expect(received.method).toBe('POST');
      expect(received.headers['content-type']).toBe('application/json');
      expect(received.headers['x-signature']).toBe('abc123');
      expect(received.headers.authorization).toBe('Bearer t0ken');
      expect(received.headers['content-length']).toBe(String(Buffer.byteLength(received.body)));
      expect(received.headers.host).toBe(target.hostPort);
    });

    it('sends a string body as is, keeping a content-type the script set', async () => {
      target.on('PUT', '/raw', { status: 204 });
      const response = await api.httpRequest(
        { method: 'PUT', url: target.url('/raw'), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=%C3%A9' },
        ctx,
      );
      expect(response).toEqual({ status: 204, headers: expect.any(Object), body: '' });
      expect(target.requests[0]).toMatchObject({ method: 'PUT', body: 'a=1&b=%C3%A9' });
      expect(target.requests[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
    });

    it('joins repeated response headers and keeps non-JSON bodies as text', async () => {
      target.on('GET', '/text', { headers: { 'Set-Cookie': ['a=1', 'b=2'], 'Content-Type': 'text/plain; charset=utf-8' }, body: 'hello' });
      const response = await api.httpRequest({ url: target.url('/text') }, ctx);
      expect(response.headers['set-cookie']).toBe('a=1, b=2');
      expect(response.body).toBe('hello');
      expect(response).not.toHaveProperty('json');
    });

    it('leaves json unset when a JSON content-type carries a broken body', async () => {
      target.on('GET', '/broken', { headers: { 'Content-Type': 'application/problem+json' }, body: '{"oops":' });
      const response = await api.httpRequest({ url: target.url('/broken') }, ctx);
      expect(response.body).toBe('{"oops":');
      expect(response.json).toBeUndefined();
    });

    it('parses +json media types', async () => {
      target.on('GET', '/problem', { status: 422, headers: { 'Content-Type': 'application/problem+json' }, body: '{"title":"bad"}' });
      await expect(api.httpRequest({ url: target.url('/problem') }, ctx)).resolves.toMatchObject({ status: 422, json: { title: 'bad' } });
    });

    it('decodes UTF-8 split across chunks and gzip bodies', async () => {
      const text = 'é✓'.repeat(5_000);
      target.on('GET', '/utf8', { headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: text, chunked: true });
      target.on('GET', '/gzip', { headers: { 'Content-Encoding': 'gzip', 'Content-Type': 'application/json' }, body: gzipSync('{"zipped":true}') });
      await expect(api.httpRequest({ url: target.url('/utf8') }, ctx)).resolves.toMatchObject({ body: text });
      await expect(api.httpRequest({ url: target.url('/gzip'), headers: { 'Accept-Encoding': 'gzip' } }, ctx)).resolves.toMatchObject({ json: { zipped: true } });
    });

    it('returns an empty body for HEAD', async () => {
      target.on('HEAD', '/head', { headers: { 'X-Total': '3' } });
      await expect(api.httpRequest({ method: 'HEAD', url: target.url('/head') }, ctx)).resolves.toMatchObject({ status: 200, body: '', headers: { 'x-total': '3' } });
    });

    it('returns error statuses as responses, not errors', async () => {
      target.on('GET', '/down', { status: 503, body: 'maintenance' });
      await expect(api.httpRequest({ url: target.url('/down') }, ctx)).resolves.toMatchObject({ status: 503, body: 'maintenance' });
    });
  });

  describe('limits', () => {
    it('times out a slow server with "timeout"', async () => {
      target.on('GET', '/slow', { delayMs: 3_000, body: 'late' });
      const started = Date.now();
      const error = await failure(api.httpRequest({ url: target.url('/slow'), timeout_ms: 200 }, ctx));
      expect(error.code).toBe('timeout');
      expect(error.message).toContain('200 ms');
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('applies the default timeout when none is given', async () => {
      const quick = new DefaultHostApi(settings({ allow: [target.hostPort], defaultTimeoutMs: 150 }), () => undefined);
      target.on('GET', '/slow', { delayMs: 3_000 });
      await expect(failure(quick.httpRequest({ url: target.url('/slow') }, ctx))).resolves.toMatchObject({ code: 'timeout' });
    });

    it('refuses a response larger than the cap, declared or streamed', async () => {
      const small = new DefaultHostApi(settings({ allow: [target.hostPort], maxResponseBytes: 1_024 }), () => undefined);
      target.on('GET', '/declared', { body: 'x'.repeat(5_000) });
      target.on('GET', '/streamed', { body: 'x'.repeat(200_000), chunked: true });
      target.on('GET', '/bomb', { headers: { 'Content-Encoding': 'gzip' }, body: gzipSync('x'.repeat(1_000_000)) });
      target.on('GET', '/fits', { body: 'x'.repeat(1_024) });
      await expect(failure(small.httpRequest({ url: target.url('/declared') }, ctx))).resolves.toMatchObject({ code: 'response_too_large' });
      await expect(failure(small.httpRequest({ url: target.url('/streamed') }, ctx))).resolves.toMatchObject({ code: 'response_too_large' });
      await expect(failure(small.httpRequest({ url: target.url('/bomb') }, ctx))).resolves.toMatchObject({ code: 'response_too_large' });
      await expect(small.httpRequest({ url: target.url('/fits') }, ctx)).resolves.toMatchObject({ status: 200, body: 'x'.repeat(1_024) });
    });

    it('refuses a request body larger than maxRequestBytes', async () => {
      const error = await failure(api.httpRequest({ method: 'POST', url: target.url('/hook'), body: 'x'.repeat(16 * 1024 + 1) }, ctx));
      expect(error).toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('body') });
      expect(target.connectionCount).toBe(0);
    });
  });

  describe('per plugin call', () => {
    const callContext = (controller = new AbortController()): HostCallContext => ({ ...ctx, signal: controller.signal });

    it('allows 16 requests in flight, refuses the 17th with too_many_requests, and frees slots as they finish', async () => {
      target.on('GET', '/slow', { delayMs: 300, body: 'ok' });
      const call = callContext();
      const inFlight = Array.from({ length: 16 }, () => api.httpRequest({ url: target.url('/slow') }, call));
      const refused = await failure(api.httpRequest({ url: target.url('/slow') }, call));
      expect(refused.code).toBe('too_many_requests');
      expect(refused.message).toContain('16');
      // Another call has its own budget.
      await expect(api.httpRequest({ url: target.url('/slow') }, callContext())).resolves.toMatchObject({ status: 200 });
      await expect(Promise.all(inFlight)).resolves.toHaveLength(16);
      await expect(api.httpRequest({ url: target.url('/slow') }, call)).resolves.toMatchObject({ status: 200 });
    });

    it('a refused or failed request frees its slot too', async () => {
      const call = callContext();
      for (let i = 0; i < 40; i++) await failure(api.httpRequest({ url: 'http://10.0.0.1/' }, call));
      target.on('GET', '/ok', { body: 'ok' });
      await expect(api.httpRequest({ url: target.url('/ok') }, call)).resolves.toMatchObject({ status: 200 });
    });

    it('aborts in-flight requests when the call ends, and refuses new ones', async () => {
      target.on('GET', '/slow', { delayMs: 3_000, body: 'late' });
      const controller = new AbortController();
      const call = callContext(controller);
      const started = Date.now();
      const pending = failure(api.httpRequest({ url: target.url('/slow') }, call));
      while (target.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort();
      const error = await pending;
      expect(error.code).toBe('aborted');
      expect(Date.now() - started).toBeLessThan(1_000);

      const connections = target.connectionCount;
      await expect(failure(api.httpRequest({ url: target.url('/slow') }, call))).resolves.toMatchObject({ code: 'aborted' });
      expect(target.connectionCount).toBe(connections);
    });
  });

  describe('redirects', () => {
    beforeEach(() => {
      target.on('GET', '/final', { body: { arrived: true } });
      target.on('*', '/moved', { status: 302, headers: { Location: '/final' } });
    });

    it('are returned, not followed, by default', async () => {
      const response = await api.httpRequest({ url: target.url('/moved') }, ctx);
      expect(response.status).toBe(302);
      expect(response.headers.location).toBe('/final');
      expect(target.requests.map((r) => r.path)).toEqual(['/moved']);
    });

    it('are followed when asked, POST becoming GET on 302/303', async () => {
      const response = await api.httpRequest({ method: 'POST', url: target.url('/moved'), body: { a: 1 }, follow_redirects: true }, ctx);
      expect(response).toMatchObject({ status: 200, json: { arrived: true } });
      expect(target.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /moved', 'GET /final']);
      expect(target.requests[1].body).toBe('');
      expect(target.requests[1].headers['content-type']).toBeUndefined();
    });

    it('keep method and body on 307', async () => {
      target.on('POST', '/temp', { status: 307, headers: { Location: '/echo' } });
      target.on('POST', '/echo', (request) => ({ body: { got: request.json } }));
      const response = await api.httpRequest({ method: 'POST', url: target.url('/temp'), body: { keep: true }, follow_redirects: true }, ctx);
      expect(response.json).toEqual({ got: { keep: true } });
    });

    it('stop after 5 hops with too_many_redirects', async () => {
      target.on('GET', '/loop', { status: 301, headers: { Location: '/loop' } });
      const error = await failure(api.httpRequest({ url: target.url('/loop'), follow_redirects: true }, ctx));
      expect(error.code).toBe('too_many_redirects');
      expect(target.requests).toHaveLength(6);
    });

    it('re-check every hop: a redirect to a loopback address that is not allowed is blocked', async () => {
      target.on('GET', '/to-other', { status: 302, headers: { Location: other.url('/secret') } });
      target.on('GET', '/to-localhost', { status: 302, headers: { Location: `http://localhost:${target.port}/final` } });
      await expect(failure(api.httpRequest({ url: target.url('/to-other'), follow_redirects: true }, ctx))).resolves.toMatchObject({ code: 'address_blocked' });
      await expect(failure(api.httpRequest({ url: target.url('/to-localhost'), follow_redirects: true }, ctx))).resolves.toMatchObject({ code: 'address_blocked' });
      expect(other.connectionCount).toBe(0);
      expect(target.requests.map((r) => r.path)).toEqual(['/to-other', '/to-localhost']);
    });

    it('keep only an allow-list of the script’s headers when leaving the origin', async () => {
      const both = new DefaultHostApi(settings({ allow: [target.hostPort, other.hostPort] }), () => undefined);
      target.on('POST', '/away', { status: 307, headers: { Location: other.url('/landing') } });
      other.on('POST', '/landing', { body: 'ok' });
      const headers = {
        Authorization: 'Bearer secret',
        Cookie: 'sid=1',
        'X-Api-Key': 'k-123',
        'X-Signature': 'sig',
        'X-Trace': 't1',
        Accept: 'application/json',
        'Accept-Language': 'de',
        'User-Agent': 'my-plugin/1.0',
      };
      await both.httpRequest({ method: 'POST', url: target.url('/away'), headers, body: { a: 1 }, follow_redirects: true }, ctx);
      const first = target.requests[0].headers;
      expect([first.authorization, first.cookie, first['x-api-key'], first['x-signature'], first['x-trace']]).toEqual(['Bearer secret', 'sid=1', 'k-123', 'sig', 't1']);
      const landed = other.requests[0].headers;
      for (const name of ['authorization', 'cookie', 'x-api-key', 'x-signature', 'x-trace']) expect(landed[name]).toBeUndefined();
      expect(landed).toMatchObject({ accept: 'application/json', 'accept-language': 'de', 'user-agent': 'my-plugin/1.0', 'content-type': 'application/json' });
    });

    it('keep every header on a same-origin redirect', async () => {
      target.on('GET', '/here', { status: 302, headers: { Location: '/final' } });
      await api.httpRequest({ url: target.url('/here'), headers: { 'X-Api-Key': 'k-123', Authorization: 'Bearer t' }, follow_redirects: true }, ctx);
      expect(target.requests[1].headers).toMatchObject({ 'x-api-key': 'k-123', authorization: 'Bearer t' });
    });

    it('refuse a redirect to a non-http scheme', async () => {
      target.on('GET', '/to-file', { status: 302, headers: { Location: 'file:///etc/passwd' } });
      await expect(failure(api.httpRequest({ url: target.url('/to-file'), follow_redirects: true }, ctx))).resolves.toMatchObject({ code: 'invalid_url' });
    });
  });

  describe('address guard', () => {
    it.each([
      'http://169.254.169.254/latest/meta-data/',
      'http://127.0.0.1:5432',
      'http://[::1]/',
      'http://0.0.0.0/',
      'http://[::ffff:127.0.0.1]/',
      'http://10.0.0.1/',
      'http://192.168.1.1:8080/admin',
      'http://100.64.0.1/',
      'http://[fd00:ec2::254]/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://2130706433/',
      'http://localhost/',
    ])('%s → address_blocked', async (url) => {
      const error = await failure(api.httpRequest({ url }, ctx));
      expect(error.code).toBe('address_blocked');
      expect(error.message).toContain('PLUGIN_HTTP_ALLOW');
    });

    it('blocks a local server that is not allowed, in every spelling, without connecting', async () => {
      const strict = new DefaultHostApi(settings(), () => undefined);
      for (const url of [target.url('/'), `http://localhost:${target.port}/`, `http://[::ffff:127.0.0.1]:${target.port}/`, `http://0x7f.1:${target.port}/`]) {
        await expect(failure(strict.httpRequest({ url }, ctx))).resolves.toMatchObject({ code: 'address_blocked' });
      }
      // The allowed IP does not open a name that resolves to it.
      await expect(failure(api.httpRequest({ url: `http://localhost:${target.port}/` }, ctx))).resolves.toMatchObject({ code: 'address_blocked' });
      expect(target.connectionCount).toBe(0);
    });

    it('lets an allowed host name through, case-insensitively, keeping it in the Host header', async () => {
      const byName = new DefaultHostApi(settings({ allow: [`LOCALHOST:${target.port}`] }), () => undefined);
      target.on('GET', '/named', { body: 'hi' });
      await expect(byName.httpRequest({ url: `http://localhost:${target.port}/named` }, ctx)).resolves.toMatchObject({ status: 200, body: 'hi' });
      expect(target.requests[0].headers.host).toBe(`localhost:${target.port}`);
    });

    it('connects to the address it vetted, resolving the name once (no DNS rebinding)', async () => {
      const answers = [['127.0.0.1'], ['10.9.9.9']];
      const calls: string[] = [];
      const rebinding: HostResolver = async (hostname) => {
        calls.push(hostname);
        return (answers.shift() ?? ['10.9.9.9']).map((address) => ({ address, family: 4 as const }));
      };
      const pinned = new DefaultHostApi(settings({ allow: ['rebind.test'] }), () => undefined, { resolve: rebinding });
      target.on('GET', '/pinned', { body: 'pinned' });
      await expect(pinned.httpRequest({ url: `http://rebind.test:${target.port}/pinned` }, ctx)).resolves.toMatchObject({ body: 'pinned' });
      expect(calls).toEqual(['rebind.test']);
      expect(target.requests[0].headers.host).toBe(`rebind.test:${target.port}`);
    });

    it('blocks a name whose answers include a private address', async () => {
      const mixed = new DefaultHostApi(settings(), () => undefined, {
        resolve: async () => [
          { address: '93.184.216.34', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ],
      });
      await expect(failure(mixed.httpRequest({ url: `http://mixed.test:${target.port}/` }, ctx))).resolves.toMatchObject({ code: 'address_blocked' });
      expect(target.connectionCount).toBe(0);
    });
  });

  describe('network failures', () => {
    it('connection refused → network_error', async () => {
      const port = await closedPort();
      const refused = new DefaultHostApi(settings({ allow: [`127.0.0.1:${port}`] }), () => undefined);
      await expect(failure(refused.httpRequest({ url: `http://127.0.0.1:${port}/` }, ctx))).resolves.toMatchObject({
        code: 'network_error',
        data: { cause: 'ECONNREFUSED' },
      });
    });

    it('DNS failure → network_error', async () => {
      await expect(failure(api.httpRequest({ url: 'http://no-such-host.invalid/', timeout_ms: 10_000 }, ctx))).resolves.toMatchObject({ code: 'network_error' });
    });

    it('TLS failure → network_error', async () => {
      await expect(failure(api.httpRequest({ url: `https://${target.hostPort}/` }, ctx))).resolves.toMatchObject({ code: 'network_error' });
    });
  });

  describe('garbage in', () => {
    const url = 'http://example.test/';
    it.each<[string, string, unknown]>([
      ['a number', 'request', 42],
      ['null', 'request', null],
      ['a string', 'request', 'http://example.test/'],
      ['an array', 'request', [url]],
      ['missing url', 'url', {}],
      ['url not a string', 'url', { url: 42 }],
      ['unknown method', 'method', { url, method: 'TRACE' }],
      ['method not a string', 'method', { url, method: 7 }],
      ['headers not an object', 'headers', { url, headers: 'X-A: 1' }],
      ['header with CRLF', 'headers.X-A', { url, headers: { 'X-A': 'ok\r\nX-Injected: 1' } }],
      ['header value not a string', 'headers.X-A', { url, headers: { 'X-A': 1 } }],
      ['invalid header name', 'headers', { url, headers: { 'Bad Name': 'v' } }],
      ['host-managed header', 'headers.Transfer-Encoding', { url, headers: { 'Transfer-Encoding': 'chunked' } }],
      ['Host', 'headers.Host', { url, headers: { Host: 'internal.example' } }],
      ['host in lower case', 'headers.host', { url, headers: { host: 'internal.example' } }],
      ['Connection', 'headers.Connection', { url, headers: { Connection: 'upgrade' } }],
      ['Content-Length', 'headers.Content-Length', { url, headers: { 'Content-Length': '5' } }],
      ['TE', 'headers.TE', { url, headers: { TE: 'trailers' } }],
      ['Upgrade', 'headers.Upgrade', { url, headers: { Upgrade: 'websocket' } }],
      ['Keep-Alive', 'headers.Keep-Alive', { url, headers: { 'Keep-Alive': 'timeout=5' } }],
      ['Expect', 'headers.Expect', { url, headers: { Expect: '100-continue' } }],
      ['Proxy-Authorization', 'headers.Proxy-Authorization', { url, headers: { 'Proxy-Authorization': 'Basic eA==' } }],
      ['any Proxy- header', 'headers.Proxy-Foo', { url, headers: { 'Proxy-Foo': '1' } }],
      ['duplicate header', 'headers.X-A', { url, headers: { 'x-a': '1', 'X-A': '2' } }],
      ['negative timeout', 'timeout_ms', { url, timeout_ms: -1 }],
      ['zero timeout', 'timeout_ms', { url, timeout_ms: 0 }],
      ['timeout over the max', 'timeout_ms', { url, timeout_ms: 10_001 }],
      ['timeout not a number', 'timeout_ms', { url, timeout_ms: '100' }],
      ['follow_redirects not a boolean', 'follow_redirects', { url, follow_redirects: 'yes' }],
      ['body a number', 'body', { url, method: 'POST', body: 42 }],
      ['unknown field', 'request.timeout', { url, timeout: 100 }],
    ])('%s → invalid_argument naming %s', async (_case, field, request) => {
      const error = await failure(api.httpRequest(request, ctx));
      expect(error.code).toBe('invalid_argument');
      expect(error.message.startsWith(`${field}:`)).toBe(true);
    });

    it.each(['not a url', '/relative', 'ftp://example.test/', 'file:///etc/passwd', 'javascript:alert(1)'])('%s → invalid_url', async (bad) => {
      await expect(failure(api.httpRequest({ url: bad }, ctx))).resolves.toMatchObject({ code: 'invalid_url' });
    });

    it('survives hostile objects', async () => {
      const trap = new Proxy(
        {},
        {
          ownKeys() {
            throw new Error('boom');
          },
          getPrototypeOf() {
            throw new Error('boom');
          },
        },
      );
      const getter = Object.defineProperty({}, 'url', {
        enumerable: true,
        get() {
          throw new Error('boom');
        },
      });
      await expect(failure(api.httpRequest(trap, ctx))).resolves.toMatchObject({ code: 'invalid_argument' });
      await expect(failure(api.httpRequest(getter, ctx))).resolves.toMatchObject({ code: 'invalid_argument' });
      await expect(failure(api.httpRequest({ url, method: 'POST', body: { n: 10n } }, ctx))).resolves.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/^body:/) });
    });

    it('never echoes header values, bodies or URL paths in errors or logs', async () => {
      const secret = 'S3CR3T-VALUE';
      const errors = await Promise.all([
        failure(api.httpRequest({ url: `http://127.0.0.1:5432/bot${secret}/send?key=${secret}`, headers: { Authorization: secret } }, ctx)),
        failure(api.httpRequest({ url, headers: { 'X-Key': `${secret}\r\nX: y` } }, ctx)),
        failure(api.httpRequest({ url, method: 'POST', body: `${secret}`.repeat(10_000) }, ctx)),
        failure(api.httpRequest({ url: `ftp://${secret}@example.test/${secret}` }, ctx)),
      ]);
      target.on('GET', `/bot${secret}`, { body: 'ok' });
      await api.httpRequest({ url: target.url(`/bot${secret}?token=${secret}`), headers: { Authorization: secret } }, ctx);
      for (const error of errors) expect(error.message).not.toContain(secret);
      expect(logs.length).toBeGreaterThan(0);
      expect(JSON.stringify(logs)).not.toContain(secret);
    });
  });

  it('logs each call at debug level with the caller context and origin only', async () => {
    target.on('GET', '/logged', { body: 'ok' });
    await api.httpRequest({ url: target.url('/logged?x=1') }, ctx);
    await failure(api.httpRequest({ url: 'http://10.0.0.1/' }, ctx));
    expect(logs).toEqual([
      { level: 'debug', message: 'plugin http request', fields: { origin: `http://${target.hostPort}`, status: 200, duration_ms: expect.any(Number) }, context: ctx },
      { level: 'debug', message: 'plugin http request failed', fields: { origin: 'http://10.0.0.1', error: 'address_blocked', duration_ms: expect.any(Number) }, context: ctx },
    ]);
  });
});
