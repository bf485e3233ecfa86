import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { TokenService } from '../src/common/auth/token.service.js';
import { RESTART_EXIT_CODE } from '../src/common/system/restart.service.js';
import { GrpcTestClient } from './support/grpc-client.js';
import { graphql, http } from './support/http-client.js';
import { spawnApp, waitForOk, waitForReadyLine, type SpawnedApp } from './support/spawn-app.js';
import { freshTestDatabase } from './support/test-database.js';

const SECRET = 'restart-test-secret-restart-test-secret-0123';
const admin = () => new TokenService(SECRET).sign({ sub: 'ops', role: 'admin' });
const userToken = () => new TokenService(SECRET).sign({ sub: 'someone', role: 'user' });

/** Log lines (JSON) the spawned app has written so far, with a given msg. */
function linesWith(app: SpawnedApp, msg: string): Record<string, unknown>[] {
  return app
    .stdout()
    .split('\n')
    .filter((line) => line.includes(`"msg":"${msg}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function until(what: string, check: () => boolean, timeoutMs: number, app: SpawnedApp): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms: ${app.stderr()}${app.stdout()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const BASE_ENV = { HTTP_PORT: '0', GRPC_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', JWT_SECRET: SECRET, SHUTDOWN_TIMEOUT_MS: '5000' };

describe('RestartServer', () => {
  it('unsupervised (npm start): answers OK, closes gracefully and the same process serves again on the same ports', async () => {
    // The npm start default: no DATABASE_URL, the embedded database in DATA_DIR, owned by the process.
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-restart-'));
    const app = spawnApp({ ...BASE_ENV, DATA_DIR: dataDir, SWITCHBOARD_SUPERVISED: '0' });
    const token = await admin();
    let client: GrpcTestClient | null = null;
    try {
      const { httpPort, grpcPort } = await waitForReadyLine(app, 90_000);
      client = new GrpcTestClient(`127.0.0.1:${grpcPort}`);
      const before = await client.call('IntegrationService', 'ListPlugins', {}, token);
      expect(before.error).toBeUndefined();

      const restart = await client.call('IntegrationService', 'RestartServer', {}, token);
      expect(restart.error).toBeUndefined();
      expect(restart.response).toEqual({});

      await until('a second "switchboard ready" line', () => linesWith(app, 'switchboard ready').length >= 2, 60_000, app);
      const [first, second] = linesWith(app, 'switchboard ready');
      expect([second.http_port, second.grpc_port]).toEqual([first.http_port, first.grpc_port]);
      expect(app.child.exitCode).toBeNull();
      expect(linesWith(app, 'restart: starting a new app in this process')).toHaveLength(1);

      // The same client (same address) is answered by the new app, and HTTP is back too.
      const after = await client.call('IntegrationService', 'ListPlugins', {}, token);
      expect(after.error).toBeUndefined();
      expect(after.response).toEqual(before.response);
      await waitForOk(`http://127.0.0.1:${httpPort}/ready`, 10_000, app);

      // Still stops on SIGTERM as usual.
      app.child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
    } finally {
      client?.close();
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
      await app.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it(`over GraphQL too: restartServer answers true, then a supervised process exits ${RESTART_EXIT_CODE}`, async () => {
    const database = await freshTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-restart-'));
    const app = spawnApp({ ...BASE_ENV, DATA_DIR: dataDir, DATABASE_URL: database.url, SWITCHBOARD_SUPERVISED: '1' });
    try {
      const { httpPort } = await waitForReadyLine(app, 90_000);
      const user = await graphql(`http://127.0.0.1:${httpPort}`, 'mutation { restartServer }', {}, await userToken());
      expect(user.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const res = await graphql(`http://127.0.0.1:${httpPort}`, 'mutation { restartServer }', {}, await admin());
      expect(res.body).toEqual({ data: { restartServer: true } });
      expect(await app.exited).toBe(RESTART_EXIT_CODE);
    } finally {
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
      await app.exited;
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it(`supervised (SWITCHBOARD_SUPERVISED=1): answers OK, lets an in-flight call finish, closes and exits ${RESTART_EXIT_CODE}`, async () => {
    const database = await freshTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-restart-'));
    const app = spawnApp({ ...BASE_ENV, DATA_DIR: dataDir, DATABASE_URL: database.url, SWITCHBOARD_SUPERVISED: '1' });
    const token = await admin();
    let client: GrpcTestClient | null = null;
    try {
      const { httpPort, grpcPort } = await waitForReadyLine(app, 90_000);
      client = new GrpcTestClient(`127.0.0.1:${grpcPort}`);
      expect((await http(`http://127.0.0.1:${httpPort}`, 'GET', '/ready')).status).toBe(200);

      const [restart, concurrent] = await Promise.all([
        client.call('IntegrationService', 'RestartServer', {}, token),
        client.call('IntegrationService', 'ListPlugins', {}, token),
      ]);
      expect(restart.error).toBeUndefined();
      expect(restart.response).toEqual({});
      expect(concurrent.error).toBeUndefined();

      expect(await app.exited).toBe(RESTART_EXIT_CODE);
      expect(linesWith(app, 'restart: exiting for the process manager to start a new process')).toHaveLength(1);
      expect(linesWith(app, 'switchboard ready')).toHaveLength(1);

      // Nothing listens any more: the process manager's new process would.
      const gone = await client.call('IntegrationService', 'ListPlugins', {}, token);
      expect(gone.error?.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      client?.close();
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
      await app.exited;
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
