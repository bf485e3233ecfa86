import { SERVER_VERSION } from '../src/config/version.js';
import { EVENT_ENVELOPE } from '../src/modules/events/http/events.http-mapper.js';
import { CREATE_TEMPLATE, SEND, UPDATE_SETTINGS, UPDATE_TEMPLATE } from '../src/modules/notification/http/notification.http-commands.js';
import { http } from './support/http-client.js';
import { OpenApiContract } from './support/openapi-contract.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * GET /openapi.json: the REST API's OpenAPI 3.1 document, generated at boot from
 * the controllers. Checked here against the running app itself: the routes Express serves and the
 * paths the document lists are the same set, each operation's declared security is what the auth
 * guard does, and every schema in it is valid JSON Schema 2020-12. The REST contract specs hold
 * every response they get to the document (test/notification/rest-contract.e2e-spec.ts).
 */

interface ExpressLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** "METHOD /path/{param}" for every route registered on the Express app. */
function servedRoutes(app: TestApp): Set<string> {
  const express = app.running.app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } };
  const routes = new Set<string>();
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    for (const path of paths) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') routes.add(`${method.toUpperCase()} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
      }
    }
  }
  return routes;
}

const SAMPLE_ID = '0190a3a8-7b1c-7cc1-9e0a-3f1f1b2c3d4e';

describe('OpenAPI document', () => {
  let app: TestApp;
  let contract: OpenApiContract;

  beforeAll(async () => {
    app = await startTestApp();
    contract = await OpenApiContract.load(app.httpUrl);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  it('is served without a token as OpenAPI 3.1 with the server version', async () => {
    const res = await http(app.httpUrl, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.info).toMatchObject({ title: 'Switchboard REST API', version: SERVER_VERSION });
    expect(res.body.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it('lists exactly the routes the app serves (GraphQL aside, which has its own schema)', () => {
    const documented = new Set(
      Object.entries(contract.document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)),
    );
    const served = new Set([...servedRoutes(app)].filter((r) => !r.endsWith(' /graphql')));
    expect([...served].sort()).toEqual([...documented].sort());
    // The seed-002 contract is among them.
    for (const route of ['GET /templates', 'POST /templates', 'PUT /templates/{id}', 'POST /send', 'GET /notifications/{id}']) expect(documented).toContain(route);
  });

  it("declares each operation's access as the guard enforces it: public ones answer without a token, the others 401", async () => {
    const operations = Object.entries(contract.document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThan(5);
    for (const { path, method, op } of operations) {
      const concrete = path.replace(/\{[^}]+\}/g, SAMPLE_ID);
      const res = await http(app.httpUrl, method.toUpperCase(), concrete, method === 'get' ? {} : { body: {} });
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      if (isPublic) expect([method, path, res.status]).not.toEqual([method, path, 401]);
      else {
        expect([method, path, res.status]).toEqual([method, path, 401]);
        expect(op.security).toEqual([{ bearer: [] }]);
        expect(op.responses['401']).toBeDefined();
        contract.check(method, concrete, 401, res.body);
      }
    }
  });

  it('names the permission code of every seed-002 operation, as seed 002\'s RBAC table does', () => {
    const permission = (method: string, path: string) => contract.document.paths[path][method]['x-access']?.permission;
    expect(permission('get', '/templates')).toBe('notif.read_template');
    expect(permission('post', '/templates')).toBe('notif.write_template');
    expect(permission('put', '/templates/{id}')).toBe('notif.write_template');
    expect(permission('post', '/send')).toBe('notif.send_manual');
    expect(contract.document.paths['/templates'].post.responses['403']).toBeDefined();
  });

  it('names every operation uniquely, has a server, and declares no transport header as a parameter', () => {
    const operations = Object.values(contract.document.paths).flatMap((item) => Object.values(item));
    const ids = operations.map((op) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect((contract.document as unknown as { servers: unknown[] }).servers).toEqual([{ url: '/', description: expect.any(String) }]);
    const headers = operations.flatMap((op) => (op.parameters ?? []).filter((p) => p.in === 'header'));
    expect(headers).toEqual([expect.objectContaining({ name: 'Idempotency-Key', required: false, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,100}$' } })]);
  });

  it('publishes as request bodies the very command schemas the server validates with (every one closed at the top; only the metadata of the event envelope is open)', () => {
    const body = (method: string, path: string) => contract.document.paths[path][method].requestBody?.content['application/json'].schema;
    expect(body('post', '/templates')).toEqual(CREATE_TEMPLATE.schema);
    expect(body('put', '/templates/{id}')).toEqual(UPDATE_TEMPLATE.schema);
    expect(body('post', '/send')).toEqual(SEND.schema);
    expect(body('put', '/me/notification-settings')).toEqual(UPDATE_SETTINGS.schema);
    expect(body('put', '/users/{id}/notification-settings')).toEqual(UPDATE_SETTINGS.schema);
    expect(body('post', '/events')).toEqual(EVENT_ENVELOPE.schema);
    for (const command of [CREATE_TEMPLATE, UPDATE_TEMPLATE, SEND, UPDATE_SETTINGS, EVENT_ENVELOPE]) expect([command.name, command.schema.additionalProperties]).toEqual([command.name, false]);
    expect((EVENT_ENVELOPE.schema.properties as Record<string, { additionalProperties?: unknown }>).metadata.additionalProperties).toBe(true);
  });

  it('lists the shared 503 Unavailable, with a required Retry-After, on every operation but those that never touch the database', () => {
    const unavailable = contract.document.components?.responses?.Unavailable;
    expect(unavailable?.description).toMatch(/^`common\.unavailable`/);
    expect(unavailable?.headers?.['Retry-After']).toMatchObject({ required: true, schema: { type: 'integer', minimum: 1 } });
    expect(unavailable?.content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorEnvelope' });
    const without: string[] = [];
    for (const [path, item] of Object.entries(contract.document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (op.responses['503'] === undefined) without.push(`${method.toUpperCase()} ${path}`);
        else expect([method, path, op.responses['503']]).toEqual([method, path, { $ref: '#/components/responses/Unavailable' }]);
      }
    }
    expect(without.sort()).toEqual(['GET /health', 'GET /metrics', 'GET /openapi.json']);
  });

  it('has only valid JSON Schema 2020-12 in it (every request and response schema compiles)', () => {
    let schemas = 0;
    for (const [path, item] of Object.entries(contract.document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const found = [
          ...Object.values(op.responses).map((r) => r.content?.['application/json']?.schema),
          op.requestBody?.content['application/json']?.schema,
        ].filter((s): s is object => typeof s === 'object' && s !== null);
        for (const schema of found) {
          expect(() => contract.compile(schema)).not.toThrow();
          schemas++;
        }
        expect([method, path, op.responses['200'] ?? op.responses['201'] ?? op.responses['202'] ?? op.responses['204']]).not.toEqual([method, path, undefined]);
      }
    }
    expect(schemas).toBeGreaterThan(10);
  });
});
