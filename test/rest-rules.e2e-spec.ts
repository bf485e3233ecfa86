import { http, type HttpResult } from './support/http-client.js';
import { OpenApiContract, type OpenApiDocument } from './support/openapi-contract.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * The REST rules that keep the server and /openapi.json in agreement (docs/rest.md): a wrong
 * method on a known path is 405 with Allow, a body route without `application/json` is 415, an
 * undeclared query parameter is 400, request bodies are their command schemas (nulls only where
 * they mean something, `""` never "absent"), and the test client itself refuses an answer the
 * document does not describe.
 */

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

describe('REST contract rules', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  const expectError = (res: HttpResult, status: number, code: string) => {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
    expect(res.body.meta).toEqual({ trace_id: res.headers.get('x-trace-id'), timestamp: expect.stringMatching(ISO) });
  };
  const fields = (res: HttpResult) => (res.body.error.details.violations as { field: string }[]).map((v) => v.field);

  it.each([
    ['DELETE', '/templates', 'GET, HEAD, POST'],
    ['PATCH', '/templates/0190a3a8-7b1c-7cc1-9e0a-3f1f1b2c3d4e', 'GET, HEAD, PUT'],
    ['POST', '/health', 'GET, HEAD'],
    ['PUT', '/send', 'POST'],
    ['GET', '/send', 'POST'],
  ])('%s %s (a known path, another method) is 405 common.method_not_allowed with Allow: %s', async (method, path, allow) => {
    const res = await http(app.httpUrl, method, path, { token: app.tokens.admin });
    expectError(res, 405, 'common.method_not_allowed');
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.body.error.details).toEqual({ allow: allow.split(', ') });
  });

  it('an unknown path is still 404 common.not_found in the envelope', async () => {
    expectError(await http(app.httpUrl, 'DELETE', '/no/such/path', { token: app.tokens.admin }), 404, 'common.not_found');
  });

  it.each([
    ['no content-type', {}],
    ['an empty content-type', { '': '' }],
  ])('a body route with %s is 415 common.unsupported_media_type', async (_what, extra) => {
    const headers: Record<string, string> = Object.keys(extra).length ? { 'content-type': '' } : {};
    for (const [method, path] of [['POST', '/templates'], ['POST', '/send'], ['POST', '/events'], ['PUT', '/me/notification-settings']]) {
      const res = await http(app.httpUrl, method, path, { token: app.tokens.admin, rawBody: '{}', headers: Object.keys(headers).length ? headers : { 'content-type': 'text/plain' } });
      expectError(res, 415, 'common.unsupported_media_type');
    }
    const none = await fetch(`${app.httpUrl}/templates`, { method: 'POST', headers: { authorization: `Bearer ${app.tokens.admin}`, ...headers } });
    expect(none.status).toBe(415);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('common.unsupported_media_type');
  });

  it('an undeclared query parameter is 400 common.unknown_query_parameter naming it, on any operation; declared ones pass', async () => {
    const res = await http(app.httpUrl, 'GET', '/templates?page=1&pagesize=50', { token: app.tokens.admin });
    expectError(res, 400, 'common.unknown_query_parameter');
    expect(res.body.error.details).toEqual({ parameters: ['pagesize'], known: ['page', 'page_size', 'type', 'trigger_event', 'language'] });
    expectError(await http(app.httpUrl, 'GET', '/health?verbose=1'), 400, 'common.unknown_query_parameter');
    expectError(await http(app.httpUrl, 'GET', '/me/notification-settings?x', { token: app.tokens.user }), 400, 'common.unknown_query_parameter');
    expect((await http(app.httpUrl, 'GET', '/templates?page=1&page_size=5&type=email', { token: app.tokens.admin })).status).toBe(200);
    expect(fields(await http(app.httpUrl, 'GET', '/templates?type=fax', { token: app.tokens.admin }))).toEqual(['type']);
  });

  it('title: null is not a second subject: it counts as not sent', async () => {
    const created = await http(app.httpUrl, 'POST', '/templates', { token: app.tokens.admin, body: { name: 'title_null', type: 'email', subject: 'Hi {{name}}', title: null, content: 'Body' } });
    expect(created.status).toBe(201);
    expect(created.body.data.subject).toBe('Hi {{name}}');
    const alone = await http(app.httpUrl, 'POST', '/templates', { token: app.tokens.admin, body: { name: 'title_null_2', type: 'sms', title: null, content: 'Body' } });
    expect(alone.status).toBe(201);
    expect(alone.body.data.subject).toBeNull();
    // Two different texts are still a conflict.
    const both = await http(app.httpUrl, 'POST', '/templates', { token: app.tokens.admin, body: { name: 'title_both', type: 'email', subject: 'A', title: 'B', content: 'Body' } });
    expectError(both, 422, 'common.validation_failed');
    expect(fields(both)).toEqual(['title']);
  });

  it('refuses what the document forbids: nulls where null means nothing, unknown fields, and "" for a time', async () => {
    const send = (body: Record<string, unknown>) => http(app.httpUrl, 'POST', '/send', { token: app.tokens.admin, body: { template_id: '0190a3a8-7b1c-7cc1-9e0a-3f1f1b2c3d4e', ...body } });
    expect(fields(await send({ recipient: null, channel: null, params: null, send_at: null }))).toEqual(['recipient', 'channel', 'params', 'send_at']);
    expect(fields(await send({ send_at: '' }))).toEqual(['send_at']);
    expect(fields(await send({ template_id: 'urn:uuid:0190a3a8-7b1c-7cc1-9e0a-3f1f1b2c3d4e' }))).toEqual(['template_id']);
    expect(fields(await send({ templateId: 'x' }))).toEqual(['templateId']);
    const event = (metadata: Record<string, unknown>) =>
      http(app.httpUrl, 'POST', '/events', { token: app.tokens.admin, body: { event_type: 'user.created', data: { user_id: 'u-1', email: 'a@example.com', full_name: 'A' }, metadata } });
    const empty = await event({ deliver_at: '' });
    expectError(empty, 422, 'common.validation_failed');
    expect(fields(empty)).toEqual(['metadata.deliver_at']);
    expect(fields(await event({ event_id: null }))).toEqual(['metadata.event_id']);
    const language = await http(app.httpUrl, 'POST', '/templates', { token: app.tokens.admin, body: { name: 'lang_null', type: 'sms', language: null, content: 'x' } });
    expect(fields(language)).toEqual(['language']);
  });

  it("the test client fails a test whose answer the document does not describe (a schema broken on purpose)", async () => {
    const res = await fetch(`${app.httpUrl}/openapi.json`);
    const document = (await res.json()) as OpenApiDocument & { paths: Record<string, Record<string, any>> };
    const contract = await OpenApiContract.load(app.httpUrl);
    const health = await http(app.httpUrl, 'GET', '/health');
    expect(() => contract.verify('GET', '/health', { status: 200, contentType: health.headers.get('content-type'), body: health.body })).not.toThrow();
    // The same answer against a document that says something else.
    const broken = structuredClone(document);
    broken.paths['/health'].get.responses['200'].content['application/json'].schema.properties.status.enum = ['up'];
    const wrong = await loadFrom(broken);
    expect(() => wrong.verify('GET', '/health', { status: 200, contentType: health.headers.get('content-type'), body: health.body })).toThrow(/does not match/);
    expect(() => contract.verify('GET', '/health', { status: 201, contentType: 'application/json', body: {} })).toThrow(/lists 200/);
    expect(() => contract.verify('GET', '/health', { status: 200, contentType: 'text/html', body: health.body })).toThrow(/content-type/);
    expect(() => contract.verify('DELETE', '/health', { status: 405, contentType: 'application/json', body: { error: {} }, allow: 'GET' })).toThrow(/error envelope/);
    // The shared 503 (a $ref to components.responses) and the header it requires.
    const unavailable = {
      status: 503,
      contentType: 'application/json',
      body: { error: { code: 'common.unavailable', message: 'The database is unavailable; retry shortly', details: null }, meta: { trace_id: 't', timestamp: new Date().toISOString() } },
    };
    expect(() => contract.verify('GET', '/templates', { ...unavailable, headers: new Headers({ 'retry-after': '2' }) })).not.toThrow();
    expect(() => contract.verify('GET', '/templates', { ...unavailable, headers: new Headers() })).toThrow(/no Retry-After header/);
    expect(() => contract.verify('GET', '/templates', { ...unavailable, headers: new Headers({ 'retry-after': 'soon' }) })).toThrow(/not an integer/);
    expect(() => contract.verify('GET', '/health', { ...unavailable, headers: new Headers({ 'retry-after': '2' }) })).toThrow(/lists 200/);
  });
});

/** An OpenApiContract over a given document (served by a throwaway HTTP server, as load() reads it). */
async function loadFrom(document: unknown): Promise<OpenApiContract> {
  const { createServer } = await import('node:http');
  const server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(document)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as { port: number };
    return await OpenApiContract.load(`http://127.0.0.1:${port}`);
  } finally {
    server.close();
  }
}
