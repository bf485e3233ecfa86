import http2 from 'node:http2';
import { connect, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { describeGrpcAuthMatrix } from './support/auth-matrix.js';
import { errorCodeOf, GrpcTestClient } from './support/grpc-client.js';
import { frame, GrpcWebTestClient, parseWebBody, type WebTransport } from './support/grpc-web-client.js';
import { RUSTBILL_RPCS } from './support/rustbill-rpcs.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ORIGIN = 'https://billing.example';
const MAX_MESSAGE_BYTES = 64 * 1024;
const READ_TIMEOUT_MS = 1_000;
const LIST_GATEWAYS = '/rustbill.integration.IntegrationService/ListGateways';
/** Calls whose answer differs between two calls (new ids, timestamps): compared by shape only. */
const NOT_REPEATABLE = new Set(['IntegrationService/CreatePluginInterface', 'NotificationService/SendNotification', 'IntegrationService/RestartServer']);

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One HTTP/1.1 request written by hand on a socket (a body may be left unfinished), read to the close. */
function rawHttp1(port: number, head: Record<string, string>, body: Buffer, path = LIST_GATEWAYS): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? 0);
      if (Buffer.concat(chunks).length >= end + 4 + length) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const text = all.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return reject(new Error(`no HTTP answer: ${JSON.stringify(text)}`));
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: all.subarray(end + 4) });
    });
    const lines = [`POST ${path} HTTP/1.1`, 'host: switchboard', ...Object.entries(head).map(([k, v]) => `${k}: ${v}`)];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    socket.write(body);
  });
}

/** The same over h2c: the stream is ended only when `end` says so. */
function rawH2(url: string, head: Record<string, string>, body: Buffer, end: boolean, path = LIST_GATEWAYS): Promise<RawAnswer> {
  const session = http2.connect(url);
  return new Promise<RawAnswer>((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': path, ...head }, { endStream: false });
    let headers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (headers = Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)]))));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => undefined);
    stream.on('close', () => (headers[':status'] ? resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks) }) : reject(new Error('no answer'))));
    stream.write(body);
    if (end) stream.end();
  }).finally(() => session.close());
}

describe('gRPC-Web on the gRPC port', () => {
  let app: TestApp;
  let native: GrpcTestClient;
  let grpcUrl: string;
  let bankTransferDef: string;

  beforeAll(async () => {
    app = await startTestApp({ CORS_ORIGINS: `${ORIGIN},http://localhost:5173`, GRPC_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES), GRPC_READ_TIMEOUT_MS: String(READ_TIMEOUT_MS) });
    native = new GrpcTestClient(app.grpcAddress);
    grpcUrl = `http://${app.grpcAddress}`;
    const plugins = await native.call<{ plugins: { id: string; plugin_id: string }[] }>('IntegrationService', 'ListPlugins', { plugin_type: 'gateway' }, app.tokens.admin);
    bankTransferDef = plugins.response!.plugins.find((p) => p.plugin_id === 'bank_transfer')!.id;
  });
  afterAll(async () => {
    native?.close();
    await app?.close();
  });

  describe.each<WebTransport>(['http1', 'h2c'])('over %s', (transport) => {
    let web: GrpcWebTestClient;
    beforeAll(() => {
      web = new GrpcWebTestClient(grpcUrl, transport, { origin: ORIGIN });
    });
    afterAll(() => web.close());

    describe('every RustBill RPC × caller', () => {
      describeGrpcAuthMatrix(RUSTBILL_RPCS, () => ({ app, client: web }));
    });

    it.each(RUSTBILL_RPCS.map((op) => [`${op.service}/${op.method}`, op] as const))('%s as admin answers exactly as native gRPC does', async (name, op) => {
      const [overWeb, overNative] = [await web.call(op.service, op.method, op.request, app.tokens.admin), await native.call(op.service, op.method, op.request, app.tokens.admin)];
      expect(overWeb.error?.code).toBe(overNative.error?.code);
      expect(errorCodeOf(overWeb.error)).toBe(errorCodeOf(overNative.error));
      if (NOT_REPEATABLE.has(name)) expect(Object.keys(overWeb.response ?? {}).sort()).toEqual(Object.keys(overNative.response ?? {}).sort());
      else expect(overWeb.response).toEqual(overNative.response);
    });

    it('runs a gateway through its life: create, list, get, toggle, delete', async () => {
      const admin = app.tokens.admin;
      const name = `Bank over ${transport}`;
      const created = await web.call<{ interface: { id: string; display_name: string } }>(
        'IntegrationService',
        'CreatePluginInterface',
        { plugin_def_id: bankTransferDef, display_name: name, config_json: JSON.stringify({ bank_name: 'B', account_name: 'A', account_number: '1' }) },
        admin,
      );
      expect(created.error).toBeUndefined();
      const id = created.response!.interface.id;
      const gateways = await web.call<{ gateways: { gateway_id: string; gateway_name: string }[] }>('IntegrationService', 'ListGateways', {}, admin);
      expect(gateways.response!.gateways).toContainEqual(expect.objectContaining({ gateway_id: id, gateway_name: name }));
      expect((await web.call<{ interface: { id: string } }>('IntegrationService', 'GetPluginInterface', { interface_id: id }, admin)).response!.interface.id).toBe(id);
      expect((await web.call('IntegrationService', 'TogglePluginInterface', { interface_id: id, enable: false }, admin)).error).toBeUndefined();
      const after = await web.call<{ gateways: { gateway_id: string }[] }>('IntegrationService', 'ListGateways', {}, admin);
      expect(after.response!.gateways.map((g) => g.gateway_id)).not.toContain(id);
      expect((await web.call('IntegrationService', 'DeletePluginInterface', { interface_id: id }, admin)).error).toBeUndefined();
      const gone = await web.call('IntegrationService', 'GetPluginInterface', { interface_id: id }, admin);
      expect(gone.error?.code).toBe(grpc.status.NOT_FOUND);
      expect(errorCodeOf(gone.error)).toBe('integration.interface_not_found');
    });

    it('answers a success with one data frame, then a trailer frame with grpc-status 0', async () => {
      const answer = await web.exchange('IntegrationService', 'ListProviders', {}, app.tokens.admin);
      expect(answer.httpStatus).toBe(200);
      expect(answer.headers['content-type']).toBe('application/grpc-web+proto');
      expect(answer.headers['grpc-status']).toBeUndefined();
      const body = parseWebBody(answer.body);
      expect(body.messages).toHaveLength(1);
      expect(body.trailers?.['grpc-status']).toBe('0');
      expect(answer.headers['access-control-allow-origin']).toBe(ORIGIN);
    });

    it('answers an error trailers-only: grpc-status, grpc-message, error-code and trace-id in the headers a browser may read', async () => {
      const answer = await web.exchange('IntegrationService', 'ListGateways', {}, null, { 'x-trace-id': 'browser-trace-0001' });
      expect(answer.httpStatus).toBe(200);
      expect(answer.body).toHaveLength(0);
      expect(answer.headers['grpc-status']).toBe(String(grpc.status.UNAUTHENTICATED));
      expect(answer.headers['error-code']).toBe('auth.missing_token');
      expect(answer.headers['trace-id']).toBe('browser-trace-0001');
      // Percent-encoded as the spec says: printable ASCII stays, the rest (and %) is %XX.
      expect(answer.headers['grpc-message']).toMatch(/^[\x20-\x7e]+$/);
      expect(answer.headers['grpc-message']).toContain('auth.missing_token: ');
      expect(answer.message).toMatch(/^auth\.missing_token: /);
      const exposed = (answer.headers['access-control-expose-headers'] ?? '').split(/, */);
      expect(exposed).toEqual(expect.arrayContaining(['grpc-status', 'grpc-message', 'error-code', 'trace-id']));
    });

    it('speaks application/grpc-web-text (base64 both ways)', async () => {
      const text = new GrpcWebTestClient(grpcUrl, transport, { text: true });
      try {
        const answer = await text.exchange('IntegrationService', 'ListProviders', {}, app.tokens.admin);
        expect(answer.headers['content-type']).toBe('application/grpc-web-text+proto');
        expect(answer.status).toBe(grpc.status.OK);
        expect(answer.response).toEqual((await native.call('IntegrationService', 'ListProviders', {}, app.tokens.admin)).response);
        const denied = await text.exchange('IntegrationService', 'ListProviders', {}, app.tokens.user);
        expect(denied.headers['error-code']).toBe('auth.permission_denied');
      } finally {
        text.close();
      }
    });

    it('answers a CORS preflight for a listed origin, and says nothing to another one', async () => {
      const preflight = await web.raw(LIST_GATEWAYS, null, { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-grpc-web,authorization' }, 'OPTIONS');
      expect(preflight.httpStatus).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(preflight.headers['access-control-allow-methods']).toContain('POST');
      const allowed = (preflight.headers['access-control-allow-headers'] ?? '').split(/, */);
      expect(allowed).toEqual(expect.arrayContaining(['content-type', 'x-grpc-web', 'x-user-agent', 'authorization', 'grpc-timeout']));
      const stranger = await web.raw(LIST_GATEWAYS, null, { origin: 'https://evil.example', 'access-control-request-method': 'POST' }, 'OPTIONS');
      expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
      const health = await web.raw('/health', null, { origin: ORIGIN }, 'GET');
      expect(health.httpStatus).toBe(200);
      expect(JSON.parse(health.body.toString())).toEqual({ status: 'ok' });
      expect(health.headers['access-control-allow-origin']).toBe(ORIGIN);
    });

    describe('bad requests get clean errors and leave the server healthy', () => {
      const head = (extra: Record<string, string> = {}) => ({ 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1', authorization: `Bearer ${app.tokens.admin}`, ...extra });
      const send = (body: Buffer, options: { end?: boolean; headers?: Record<string, string>; length?: number; path?: string } = {}) =>
        transport === 'http1'
          ? rawHttp1(app.running.grpcPort!, { ...head(options.headers), 'content-length': String(options.length ?? body.length) }, body, options.path)
          : rawH2(grpcUrl, head(options.headers), body, options.end ?? true, options.path);
      const expectGrpcError = (answer: RawAnswer, status: grpc.status, errorCode: string) => {
        expect(answer.headers['grpc-status']).toBe(String(status));
        expect(answer.headers['error-code']).toBe(errorCode);
        expect(answer.headers['trace-id']).toMatch(/^[0-9a-f]{32}$/);
      };

      afterEach(async () => {
        // Still serving both protocols after each of them.
        expect((await native.call('IntegrationService', 'ListGateways', {}, app.tokens.admin)).error).toBeUndefined();
        expect((await web.call('IntegrationService', 'ListGateways', {}, app.tokens.admin)).error).toBeUndefined();
      });

      it.each([
        ['a trailer frame as the request', frame(Buffer.alloc(0), 0x80)],
        ['an unknown frame flag', frame(Buffer.alloc(0), 0x42)],
        ['a length longer than the body', Buffer.concat([Buffer.from([0, 0, 0, 0, 10]), Buffer.from('abc')])],
        ['a length shorter than the body', Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), Buffer.from('abc')])],
        ['two messages', Buffer.concat([frame(Buffer.alloc(0)), frame(Buffer.alloc(0))])],
        ['a cut frame prefix', Buffer.from([0, 0, 0])],
        ['an empty body', Buffer.alloc(0)],
        ['bytes that are not the request message', frame(Buffer.from([0xff, 0xff, 0xff]))],
      ])('%s: InvalidArgument / common.validation_failed', async (_name, body) => {
        expectGrpcError(await send(body), grpc.status.INVALID_ARGUMENT, 'common.validation_failed');
      });

      it('a message above GRPC_MAX_MESSAGE_BYTES: RESOURCE_EXHAUSTED from its 5-byte prefix, before the rest is sent', async () => {
        const prefix = Buffer.from([0, 0, 0, 0, 0]);
        prefix.writeUInt32BE(MAX_MESSAGE_BYTES + 1, 1);
        const started = Date.now();
        const answer = await send(prefix, { end: false, length: MAX_MESSAGE_BYTES + 6 });
        expectGrpcError(answer, grpc.status.RESOURCE_EXHAUSTED, 'common.payload_too_large');
        expect(Date.now() - started).toBeLessThan(READ_TIMEOUT_MS);
      });

      it('a whole oversized body sent at once: RESOURCE_EXHAUSTED', async () => {
        expectGrpcError(await send(frame(Buffer.alloc(MAX_MESSAGE_BYTES + 1))), grpc.status.RESOURCE_EXHAUSTED, 'common.payload_too_large');
      });

      it('a half-sent body: an error after GRPC_READ_TIMEOUT_MS, not a hang', async () => {
        const started = Date.now();
        const answer = await send(Buffer.from([0, 0, 0, 0, 100, 1, 2, 3]), { end: false, length: 105 });
        expectGrpcError(answer, grpc.status.INVALID_ARGUMENT, 'common.malformed_request');
        expect(Date.now() - started).toBeGreaterThanOrEqual(READ_TIMEOUT_MS - 50);
      });

      it('a wrong content-type: 415 with InvalidArgument', async () => {
        const answer = await send(frame(Buffer.alloc(0)), { headers: { 'content-type': 'application/json' } });
        expect(answer.status).toBe(415);
        expectGrpcError(answer, grpc.status.INVALID_ARGUMENT, 'common.malformed_request');
      });

      it('a streaming method (reflection, bidi): each request answered in its own frame, then the trailer frame', async () => {
        // Two ServerReflectionRequests { list_services: "*" } (field 7), in one body.
        const listServices = frame(Buffer.from([0x3a, 0x01, 0x2a]));
        const path = '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo';
        const body = Buffer.concat([listServices, listServices]);
        const answer =
          transport === 'http1'
            ? await fetch(`${grpcUrl}${path}`, { method: 'POST', headers: head(), body }).then(async (res) => ({ status: res.status, body: Buffer.from(await res.arrayBuffer()) }))
            : await rawH2(grpcUrl, head(), body, true, path);
        expect(answer.status).toBe(200);
        const parsed = parseWebBody(answer.body);
        expect(parsed.trailers?.['grpc-status']).toBe('0');
        expect(parsed.messages).toHaveLength(2);
        for (const message of parsed.messages) expect(message.toString('latin1')).toContain('rustbill.integration.IntegrationService');
      });

      it('a streaming method in grpc-web-text: the answer is one base64 text of the same frames', async () => {
        const listServices = frame(Buffer.from([0x3a, 0x01, 0x2a]));
        const path = '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo';
        const headers = head({ 'content-type': 'application/grpc-web-text' });
        const body = Buffer.from(Buffer.concat([listServices, listServices, listServices]).toString('base64'));
        const answer =
          transport === 'http1'
            ? await fetch(`${grpcUrl}${path}`, { method: 'POST', headers, body }).then(async (res) => ({ status: res.status, body: Buffer.from(await res.arrayBuffer()) }))
            : await rawH2(grpcUrl, headers, body, true, path);
        const text = answer.body.toString('latin1');
        expect(text).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
        const parsed = parseWebBody(Buffer.from(text, 'base64'));
        expect(parsed.messages).toHaveLength(3);
        expect(parsed.trailers?.['grpc-status']).toBe('0');
      });

      it('a streaming method whose body breaks off inside a frame: InvalidArgument, not a hang', async () => {
        const answer = await send(Buffer.from([0, 0, 0, 0, 9, 1]), { path: '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo' });
        expectGrpcError(answer, grpc.status.INVALID_ARGUMENT, 'common.validation_failed');
      });

      it('text that is not base64: InvalidArgument', async () => {
        expectGrpcError(await send(Buffer.from('!!!!'), { headers: { 'content-type': 'application/grpc-web-text' } }), grpc.status.INVALID_ARGUMENT, 'common.validation_failed');
      });

      it('an unknown method: Unimplemented from grpc-js, trailers-only', async () => {
        const answer = await send(frame(Buffer.alloc(0)), { path: '/rustbill.integration.IntegrationService/NoSuchMethod' });
        expect(answer.status).toBe(200);
        expect(answer.headers['grpc-status']).toBe(String(grpc.status.UNIMPLEMENTED));
      });
    });
  });

  it('serves native gRPC and GET /health on the same port', async () => {
    expect((await native.call('IntegrationService', 'ListGateways', {}, app.tokens.admin)).error).toBeUndefined();
    const res = await fetch(`${grpcUrl}/health`);
    expect(res.status).toBe(200);
  });

  it('drops a connection that sends nothing within GRPC_READ_TIMEOUT_MS', async () => {
    const socket = connect(app.running.grpcPort!, '127.0.0.1');
    const started = Date.now();
    await new Promise((resolve) => socket.on('close', resolve));
    expect(Date.now() - started).toBeGreaterThanOrEqual(READ_TIMEOUT_MS - 50);
  });
});
