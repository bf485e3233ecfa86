import { Worker } from 'node:worker_threads';
import { HttpTarget } from '../../../../test/support/fake-servers/http-target.js';
import type { HostApiSettings } from './host-api.types.js';

/**
 * The sandbox runs scripts in worker threads, which build their own DefaultHostApi from plain
 * settings: this proves the module loads and works there (no Nest DI, nothing main-thread-only).
 */
describe('DefaultHostApi in a worker thread', () => {
  let target: HttpTarget;
  beforeAll(async () => {
    target = await HttpTarget.start();
  });
  afterAll(async () => {
    await target.close();
  });

  it('is built from serialised settings and serves http, crypto, log and errors', async () => {
    target.on('GET', '/ping', { body: { pong: true } });
    const settings: HostApiSettings = {
      http: { defaultTimeoutMs: 2_000, maxTimeoutMs: 2_000, maxResponseBytes: 1_024, maxRequestBytes: 1_024, allow: [target.hostPort] },
      mail: { smtpUrl: null, from: 'x@example.test', timeoutMs: 1_000 },
    };
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.module).then(async ({ DefaultHostApi }) => {
        const logs = [];
        const api = new DefaultHostApi(workerData.settings, (entry) => logs.push(entry.message));
        const ctx = { plugin: 'p/x', interfaceId: null, traceId: null, fn: 'f' };
        const response = await api.httpRequest({ url: workerData.url }, ctx);
        const blocked = await api.httpRequest({ url: 'http://169.254.169.254/' }, ctx).catch((e) => ({ name: e.name, code: e.code }));
        const mac = api.crypto('hmacSha256', ['key', 'The quick brown fox jumps over the lazy dog']);
        api.log('info', 'from worker', { n: 1 }, ctx);
        parentPort.postMessage({ json: response.json, blocked, mac, logs });
      }).catch((error) => parentPort.postMessage({ failed: String(error && error.stack || error) }));
    `;
    const worker = new Worker(code, {
      eval: true,
      workerData: { module: new URL('./default-host-api.js', import.meta.url).href, settings, url: target.url('/ping') },
    });
    try {
      const result = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(result).toEqual({
        json: { pong: true },
        blocked: { name: 'HostApiError', code: 'address_blocked' },
        mac: 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
        logs: ['plugin http request', 'plugin http request failed', 'from worker'],
      });
    } finally {
      await worker.terminate();
    }
  });
});
