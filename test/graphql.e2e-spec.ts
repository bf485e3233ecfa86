import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { buildClientSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema, type IntrospectionQuery } from 'graphql';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { GRAPHQL_SCHEMA_FILE } from '../src/config/paths.js';
import { describeGraphqlAuthMatrix } from './support/auth-matrix.js';
import { graphql, http } from './support/http-client.js';
import { LogCapture } from './support/log-capture.js';
import { AWAY_DATABASE_PASSWORD, LEAKY_MESSAGE, ProbeModule } from './support/probe.module.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * A request with exactly these headers and nothing else (fetch would add accept, user-agent and a
 * content type for a string body): what `curl` sends, give or take its user-agent.
 */
function bare(url: string, method: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; contentType: string; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, contentType: res.headers['content-type'] ?? '', body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const CSRF_HINT_ERROR = {
  message: expect.stringMatching(/^Refused by CSRF prevention: .*"content-type: application\/json".*"apollo-require-preflight: true".*open \/graphql for the playground/),
  extensions: { code: 'BAD_REQUEST', errorCode: 'common.malformed_request', details: null, traceId: expect.stringMatching(/^[0-9a-f]{32}$/) },
};

describe('GraphQL transport', () => {
  let app: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    app = await startTestApp({}, { logs, imports: [ProbeModule] });
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('auth matrix', () => {
    describeGraphqlAuthMatrix(
      [
        { name: 'serverInfo', access: 'public', query: '{ serverInfo { name version role } }' },
        { name: 'me', access: 'authenticated', query: '{ me { sub role permissions } }' },
        { name: 'systemStatus', access: 'admin', query: '{ systemStatus { role database pendingMigrations } }' },
      ],
      () => ({ app }),
      (_op, result) => expect(result.body.errors).toBeUndefined(),
    );
  });

  it('serverInfo needs no token', async () => {
    const res = await graphql(app.httpUrl, '{ serverInfo { name role } }');
    expect(res.body).toEqual({ data: { serverInfo: { name: 'switchboard', role: 'all' } } });
  });

  it('me returns the verified claims', async () => {
    const token = await app.tokens.withPermissions('notif.read_template');
    const res = await graphql(app.httpUrl, '{ me { sub role permissions } }', {}, token);
    expect(res.body).toEqual({ data: { me: { sub: 'test-user', role: 'user', permissions: ['notif.read_template'] } } });
  });

  it('systemStatus reports the database and migrations to an admin', async () => {
    const res = await graphql(app.httpUrl, '{ systemStatus { database pendingMigrations } }', {}, app.tokens.admin);
    expect(res.body).toEqual({ data: { systemStatus: { database: 'postgresql', pendingMigrations: [] } } });
  });

  it('a query that does not validate gets BAD_USER_INPUT-class codes with common.validation_failed and a trace id', async () => {
    const res = await graphql(app.httpUrl, '{ nope }');
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].extensions).toEqual({
      code: 'GRAPHQL_VALIDATION_FAILED',
      errorCode: 'common.validation_failed',
      traceId: res.headers.get('x-trace-id'),
    });
  });

  it('a syntax error is a client error too', async () => {
    const res = await graphql(app.httpUrl, '{ serverInfo { ');
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED', errorCode: 'common.validation_failed' });
  });

  it('an unexpected resolver error is masked as INTERNAL_SERVER_ERROR with the trace id', async () => {
    const res = await graphql(app.httpUrl, '{ probeCrash }');
    const traceId = res.headers.get('x-trace-id')!;
    expect(res.body.errors).toEqual([
      {
        message: `Internal error (trace id ${traceId})`,
        locations: [{ line: 1, column: 3 }],
        path: ['probeCrash'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', errorCode: 'common.internal', details: null, traceId },
      },
    ]);
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    expect(logs.withTraceId(traceId).some((l) => l.err?.message === LEAKY_MESSAGE)).toBe(true);
  });

  it('a database that cannot be reached is SERVICE_UNAVAILABLE with errorCode common.unavailable, logged as a warning', async () => {
    const res = await graphql(app.httpUrl, '{ probeDatabaseAway }');
    const traceId = res.headers.get('x-trace-id')!;
    expect(res.body.errors).toEqual([
      {
        message: `The database is unavailable; retry shortly (trace id ${traceId})`,
        locations: [{ line: 1, column: 3 }],
        path: ['probeDatabaseAway'],
        extensions: { code: 'SERVICE_UNAVAILABLE', errorCode: 'common.unavailable', details: null, traceId },
      },
    ]);
    expect(logs.withTraceId(traceId).map((l) => [l.level, l.code, l.err])).toEqual([['warn', 'common.unavailable', undefined]]);
    expect(JSON.stringify(res.body) + logs.text()).not.toContain(AWAY_DATABASE_PASSWORD);
  });

  it('GET /graphql from a browser serves the playground page from local assets', async () => {
    const res = await http(app.httpUrl, 'GET', '/graphql', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.body).toContain('<base href="/graphql-playground/">');
    expect(res.body).not.toMatch(/https?:\/\/(?!localhost)[a-z0-9.-]+\.(com|net|io|org)\//i);
    const asset = await fetch(`${app.httpUrl}/graphql-playground/main.js`);
    expect(asset.status).toBe(200);
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });

  describe('requests that CSRF prevention refuses get a hint of what to send', () => {
    it.each<[string, string, Record<string, string>, string | undefined]>([
      ['GET /graphql with no headers (curl URL)', 'GET', {}, undefined],
      ['GET /graphql with accept */* (curl URL)', 'GET', { accept: '*/*', 'user-agent': 'curl/8.5.0' }, undefined],
      ['GET /graphql?query= without apollo-require-preflight', 'GET', { accept: 'application/json' }, '?query'],
      ['POST without a content type (curl -X POST)', 'POST', {}, '{"query":"{ serverInfo { name } }"}'],
      ['POST as a form (curl -d)', 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, '{"query":"{ serverInfo { name } }"}'],
      ['POST as text/plain', 'POST', { 'content-type': 'text/plain' }, '{"query":"{ serverInfo { name } }"}'],
    ])('%s: 400, a JSON error naming content-type: application/json, apollo-require-preflight and the playground; nothing runs', async (_what, method, headers, body) => {
      const path = body === '?query' ? `/graphql?query=${encodeURIComponent('{ serverInfo { name } }')}` : '/graphql';
      const res = await bare(`${app.httpUrl}${path}`, method, headers, body === '?query' ? undefined : body);
      expect(res.status).toBe(400);
      expect(res.contentType).toMatch(/^application\/json/);
      expect(res.body).toEqual({ errors: [CSRF_HINT_ERROR] });
    });

    it('the same POST with content-type: application/json runs, and a GET with apollo-require-preflight does', async () => {
      const posted = await bare(`${app.httpUrl}/graphql`, 'POST', { 'content-type': 'application/json' }, '{"query":"{ serverInfo { name } }"}');
      expect(posted).toMatchObject({ status: 200, body: { data: { serverInfo: { name: 'switchboard' } } } });
      const got = await bare(`${app.httpUrl}/graphql?query=${encodeURIComponent('{ serverInfo { name } }')}`, 'GET', { 'apollo-require-preflight': 'true' });
      expect(got).toMatchObject({ status: 200, body: { data: { serverInfo: { name: 'switchboard' } } } });
    });
  });

  describe('introspection (on by default outside production)', () => {
    it('answers __schema without a token', async () => {
      const res = await graphql(app.httpUrl, '{ __schema { queryType { name } mutationType { name } } }');
      expect(res.body).toEqual({ data: { __schema: { queryType: { name: 'Query' }, mutationType: { name: 'Mutation' } } } });
    });

    it("answers a client's full introspection query with the whole schema the app serves", async () => {
      const res = await graphql<IntrospectionQuery>(app.httpUrl, getIntrospectionQuery({ inputValueDeprecation: true }));
      expect(res.body.errors).toBeUndefined();
      const served = app.running.app.get(GraphQLSchemaHost).schema;
      expect(printSchema(lexicographicSortSchema(buildClientSchema(res.body.data!)))).toBe(printSchema(lexicographicSortSchema(served)));
    });
  });

  it('GET /graphql with a query still executes it', async () => {
    const res = await fetch(`${app.httpUrl}/graphql?query=${encodeURIComponent('{ serverInfo { name } }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(await res.json()).toEqual({ data: { serverInfo: { name: 'switchboard' } } });
  });
});

describe('GraphQL with GRAPHQL_INTROSPECTION=false, and the schema file', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ GRAPHQL_INTROSPECTION: 'false' });
  });
  afterAll(async () => {
    await app?.close();
  });

  const refused = (field: string, res: { status: number; headers: Headers; body: any }) => {
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toEqual([
      {
        message: `Introspection (${field}) is turned off on this server: GRAPHQL_INTROSPECTION is false, its default when NODE_ENV=production. The schema is published as src/schema.gql in the Switchboard repository.`,
        locations: [expect.objectContaining({ line: 1 })],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', errorCode: 'common.introspection_disabled', details: null, traceId: res.headers.get('x-trace-id') },
      },
    ]);
  };

  it.each<[string, string, string]>([
    ['__schema', '{ __schema { types { name } } }', '__schema'],
    ['__type', '{ __type(name: "Query") { fields { name } } }', '__type'],
    ['__schema beside an ordinary field', '{ serverInfo { name } __schema { queryType { name } } }', '__schema'],
  ])('refuses %s with common.introspection_disabled, without a token', async (_what, query, field) => {
    refused(field, await graphql(app.httpUrl, query));
  });

  it('refuses it to an admin too (off is off), and refuses the full query clients send', async () => {
    refused('__schema', await graphql(app.httpUrl, '{ __schema { queryType { name } } }', {}, app.tokens.admin));
    const res = await graphql(app.httpUrl, getIntrospectionQuery());
    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.extensions?.errorCode)).toEqual(['common.introspection_disabled']);
  });

  it('still answers ordinary queries, __typename included', async () => {
    const res = await graphql(app.httpUrl, '{ __typename serverInfo { __typename name } }');
    expect(res.body).toEqual({ data: { __typename: 'Query', serverInfo: { __typename: 'ServerInfo', name: 'switchboard' } } });
  });

  it('src/schema.gql is exactly the schema the app serves (npm run schema:print regenerates it, needing no introspection)', () => {
    const served = printSchema(lexicographicSortSchema(app.running.app.get(GraphQLSchemaHost).schema)) + '\n';
    expect(readFileSync(GRAPHQL_SCHEMA_FILE, 'utf8')).toBe(served);
  });
});
