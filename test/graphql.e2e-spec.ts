import { readFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { GRAPHQL_SCHEMA_FILE } from '../src/config/paths.js';
import { describeGraphqlAuthMatrix } from './support/auth-matrix.js';
import { graphql, http } from './support/http-client.js';
import { LogCapture } from './support/log-capture.js';
import { LEAKY_MESSAGE, ProbeModule } from './support/probe.module.js';
import { startTestApp, type TestApp } from './support/test-app.js';

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

  it('GET /graphql with a query still executes it', async () => {
    const res = await fetch(`${app.httpUrl}/graphql?query=${encodeURIComponent('{ serverInfo { name } }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(await res.json()).toEqual({ data: { serverInfo: { name: 'switchboard' } } });
  });
});

describe('GraphQL schema file', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('src/schema.gql is exactly the schema the app serves (npm run schema:print regenerates it)', () => {
    const served = printSchema(lexicographicSortSchema(app.running.app.get(GraphQLSchemaHost).schema)) + '\n';
    expect(readFileSync(GRAPHQL_SCHEMA_FILE, 'utf8')).toBe(served);
  });
});
