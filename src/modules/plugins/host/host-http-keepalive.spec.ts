import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HttpTarget } from '../../../../test/support/fake-servers/http-target.js';
import { DefaultHostApi } from './default-host-api.js';
import type { HostApiSettings, HostCallContext } from './host-api.types.js';

const ctx: HostCallContext = { plugin: 'notifier/webhook', interfaceId: 'if-1', traceId: 'trace-1', fn: 'send' };

function api(allow: string): DefaultHostApi {
  const settings: HostApiSettings = {
    http: { defaultTimeoutMs: 5_000, maxTimeoutMs: 10_000, maxResponseBytes: 64 * 1024, maxRequestBytes: 16 * 1024, allow: [allow] },
    mail: { smtpUrl: null, from: 'Switchboard <switchboard@localhost>', timeoutMs: 2_000 },
  };
  return new DefaultHostApi(settings, () => undefined);
}

/** A server that cuts the connection on the n-th request of a kept-alive socket, once, without answering. */
async function cuttingServer(cutOnRequest: number): Promise<{ server: http.Server; hostPort: string; url: string; requests: number; connections: number; close(): Promise<void> }> {
  const perSocket = new WeakMap<Socket, number>();
  let cut = false;
  const state = { requests: 0, connections: 0 };
  const server = http.createServer((req, res) => {
    state.requests++;
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    if (n === cutOnRequest && !cut) {
      cut = true;
      req.socket.destroy();
      return;
    }
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    hostPort: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/hook`,
    get requests() {
      return state.requests;
    },
    get connections() {
      return state.connections;
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe('DefaultHostApi.httpRequest, kept-alive connections', () => {
  it('reuses one connection for requests one after another to the same vetted target', async () => {
    const target = await HttpTarget.start();
    try {
      target.on('POST', '/hook', { status: 204 });
      const host = api(target.hostPort);
      for (let i = 0; i < 5; i++) expect((await host.httpRequest({ method: 'POST', url: target.url('/hook'), body: { i } }, ctx)).status).toBe(204);
      expect(target.requests).toHaveLength(5);
      expect(target.connectionCount).toBe(1);
    } finally {
      await target.close();
    }
  });

  it('sends a request again on a fresh connection, once, when the server cut the reused one before answering', async () => {
    const server = await cuttingServer(2);
    try {
      const host = api(server.hostPort);
      expect((await host.httpRequest({ method: 'POST', url: server.url, body: { n: 1 } }, ctx)).status).toBe(204);
      const started = Date.now();
      expect((await host.httpRequest({ method: 'POST', url: server.url, body: { n: 2 } }, ctx)).status).toBe(204);
      // At once, not after a timeout: the retry is the next thing that happens.
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(server.requests).toBe(3);
      expect(server.connections).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('keeps working against a server that closes idle connections quickly', async () => {
    const target = await HttpTarget.start();
    try {
      target.on('POST', '/hook', { status: 204 });
      (target as unknown as { server: http.Server }).server.keepAliveTimeout = 50;
      const host = api(target.hostPort);
      for (let i = 0; i < 4; i++) {
        expect((await host.httpRequest({ method: 'POST', url: target.url('/hook'), body: { i } }, ctx)).status).toBe(204);
        await new Promise((r) => setTimeout(r, 150));
      }
      expect(target.requests).toHaveLength(4);
    } finally {
      await target.close();
    }
  });
});
