import { http } from './support/http-client.js';
import { LogCapture } from './support/log-capture.js';
import { AWAY_DATABASE_PASSWORD, LEAKY_MESSAGE, ProbeModule } from './support/probe.module.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('REST transport', () => {
  let app: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    app = await startTestApp({ HTTP_MAX_BODY_BYTES: '2048' }, { logs, imports: [ProbeModule] });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('GET /health answers without a token', async () => {
    const res = await http(app.httpUrl, 'GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /ready answers once the database is reachable and migrated', async () => {
    const res = await http(app.httpUrl, 'GET', '/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });

  it('an unknown route gets the error envelope with common.not_found and the trace id of the response header', async () => {
    const res = await http(app.httpUrl, 'GET', '/no/such/route');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: { code: 'common.not_found', message: expect.any(String), details: null },
      meta: { trace_id: res.headers.get('x-trace-id'), timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
  });

  it('keeps a caller-supplied x-trace-id', async () => {
    const res = await http(app.httpUrl, 'GET', '/no/such/route', { headers: { 'x-trace-id': 'from-the-caller-42' } });
    expect(res.headers.get('x-trace-id')).toBe('from-the-caller-42');
    expect(res.body.meta.trace_id).toBe('from-the-caller-42');
  });

  it('malformed JSON gets 400 common.malformed_request, not a crash', async () => {
    const res = await http(app.httpUrl, 'POST', '/health', { rawBody: '{"broken": ' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('common.malformed_request');
    expect(res.body.meta.trace_id).toBe(res.headers.get('x-trace-id'));
  });

  it('an oversized body gets 413 common.payload_too_large', async () => {
    const res = await http(app.httpUrl, 'POST', '/health', { body: { blob: 'x'.repeat(4096) } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('common.payload_too_large');
  });

  it('an unexpected error becomes 500 common.internal with a trace id, no SQL, no secret, no stack; the log has it under the same trace id', async () => {
    const res = await http(app.httpUrl, 'GET', '/__probe/crash');
    expect(res.status).toBe(500);
    const traceId = res.headers.get('x-trace-id')!;
    expect(res.body).toEqual({
      error: { code: 'common.internal', message: `Internal error (trace id ${traceId})`, details: null },
      meta: { trace_id: traceId, timestamp: expect.any(String) },
    });
    expect(JSON.stringify(res.body)).not.toMatch(/SELECT|hunter2|at .*\.js/);
    const logged = logs.withTraceId(traceId);
    expect(logged.some((l) => l.level === 'error' && l.err?.message === LEAKY_MESSAGE && typeof l.err?.stack === 'string')).toBe(true);
  });

  it('a database that cannot be reached is 503 common.unavailable with Retry-After; the log has one warning, no stack, no password', async () => {
    const res = await http(app.httpUrl, 'GET', '/__probe/database-away');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    const traceId = res.headers.get('x-trace-id')!;
    expect(res.body).toEqual({
      error: { code: 'common.unavailable', message: `The database is unavailable; retry shortly (trace id ${traceId})`, details: null },
      meta: { trace_id: traceId, timestamp: expect.any(String) },
    });
    expect(logs.withTraceId(traceId)).toEqual([
      expect.objectContaining({ level: 'warn', code: 'common.unavailable', reason: 'ECONNREFUSED', msg: 'call refused: the database is unavailable' }),
    ]);
    expect(JSON.stringify(logs.withTraceId(traceId))).not.toMatch(/stack|"err"/);
    expect(JSON.stringify(res.body) + logs.text()).not.toContain(AWAY_DATABASE_PASSWORD);
  });

  it('writes JSON log lines carrying the trace id of each call', async () => {
    const res = await http(app.httpUrl, 'GET', '/health', { headers: { 'x-trace-id': 'log-line-trace-1' } });
    expect(res.status).toBe(200);
    const lines = logs.withTraceId('log-line-trace-1');
    expect(lines).toEqual([expect.objectContaining({ level: 'info', msg: 'call completed', transport: 'http', operation: 'GET /health' })]);
  });

  it('never writes a bearer token into the log', async () => {
    const res = await http(app.httpUrl, 'GET', '/__probe/crash', { token: app.tokens.admin, headers: { 'x-trace-id': 'token-log-trace-1' } });
    expect(res.status).toBe(500);
    // the call was logged (so the capture is live), with neither the token nor its signature part
    expect(logs.withTraceId('token-log-trace-1').map((l) => l.level)).toEqual(expect.arrayContaining(['error']));
    const signature = app.tokens.admin.split('.')[2];
    expect(logs.text()).not.toContain(app.tokens.admin);
    expect(logs.text()).not.toContain(signature);
  });
});
