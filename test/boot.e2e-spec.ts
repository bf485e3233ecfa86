import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { GrpcReflection } from 'grpc-js-reflection-client';
import { graphql, http } from './support/http-client.js';
import { spawnApp, waitForReadyLine } from './support/spawn-app.js';
import { DIST_ROOT, PROJECT_ROOT } from '../src/config/paths.js';
import { startTestApp } from './support/test-app.js';
import { describeOnServer, freshTestDatabase } from './support/test-database.js';

/**
 * The migrations in migrations/<timestamp>-<Name>.ts, by the name TypeORM records (the class name,
 * <Name><timestamp>), oldest first: read from the source tree, not from the database under test.
 */
const MIGRATIONS = readdirSync(join(PROJECT_ROOT, 'migrations'))
  .filter((f) => f.endsWith('.ts'))
  .sort()
  .map((f) => f.replace(/^(\d+)-(\w+)\.ts$/, '$2$1'));

describe('boot', () => {
  it('refuses to start on bad configuration, listing every bad variable in one message', async () => {
    const app = spawnApp({ GRPC_PORT: 'abc', HTTP_PORT: '70000', SWITCHBOARD_ROLE: 'boss', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', ADMIN_NOTIFY_EMAIL: 'nope' });
    expect(await app.exited).toBe(1);
    const stderr = app.stderr();
    for (const name of ['GRPC_PORT', 'HTTP_PORT', 'SWITCHBOARD_ROLE', 'LOG_LEVEL', 'DATABASE_URL', 'ADMIN_NOTIFY_EMAIL']) {
      expect(stderr).toContain(`${name}:`);
    }
  });

  it('refuses to start in production without JWT_SECRET', async () => {
    const app = spawnApp({ NODE_ENV: 'production', DATABASE_URL: 'postgres://127.0.0.1:1/none' });
    expect(await app.exited).toBe(1);
    expect(app.stderr()).toMatch(/JWT_SECRET: required when NODE_ENV=production/);
  });

  it('runs with no database configured on the embedded PostgreSQL: ready, reflection, GraphQL, playground, dev token', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-embedded-'));
    const env = { DATA_DIR: dataDir, HTTP_PORT: '0', GRPC_PORT: '0', HOST: '127.0.0.1' };
    const app = spawnApp(env);
    try {
      const { httpPort, grpcPort } = await waitForReadyLine(app, 60_000);
      expect((await http(`http://127.0.0.1:${httpPort}`, 'GET', '/ready')).status).toBe(200);

      const reflection = new GrpcReflection(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
      expect(await reflection.listServices()).toEqual(expect.arrayContaining(['rustbill.integration.IntegrationService']));

      const page = await http(`http://127.0.0.1:${httpPort}`, 'GET', '/graphql', { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);

      // the development secret was generated into the data directory, readable by the owner only
      expect(statSync(join(dataDir, 'jwt-secret')).mode & 0o777).toBe(0o600);
      // and `npm run token` signs with it
      const tokenCli = spawnApp(env, join(DIST_ROOT, 'src', 'cli', 'token.js'), ['--role', 'admin', '--sub', 'ops']);
      expect(await tokenCli.exited).toBe(0);
      const token = tokenCli.stdout().trim();
      const me = await graphql(`http://127.0.0.1:${httpPort}`, '{ me { sub role } systemStatus { database } }', {}, token);
      expect(me.body).toEqual({ data: { me: { sub: 'ops', role: 'admin' }, systemStatus: { database: 'embedded' } } });

      app.child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
    } finally {
      app.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('the worker role serves health probes but no gRPC and no GraphQL', async () => {
    const app = await startTestApp({ SWITCHBOARD_ROLE: 'worker' });
    try {
      expect(app.running.grpcPort).toBeNull();
      expect((await http(app.httpUrl, 'GET', '/ready')).status).toBe(200);
      expect((await graphql(app.httpUrl, '{ serverInfo { name } }')).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});

// Replicas share one database; PGlite is a single session, so this needs a server (any but PGlite).
await describeOnServer('boot with replicas', () => {
  it('replicas booting together on one database migrate once and all become ready', async () => {
    const database = await freshTestDatabase();
    try {
      const replicas = await Promise.all([1, 2, 3].map(() => startTestApp({}, { database })));
      try {
        for (const replica of replicas) expect((await http(replica.httpUrl, 'GET', '/ready')).status).toBe(200);
        const status = await graphql(replicas[0].httpUrl, '{ systemStatus { appliedMigrations pendingMigrations } }', {}, replicas[0].tokens.admin);
        // every migration in migrations/, each recorded once
        expect(MIGRATIONS.length).toBeGreaterThan(0);
        expect(status.body.data.systemStatus.appliedMigrations).toEqual(MIGRATIONS);
        expect(status.body.data.systemStatus.pendingMigrations).toEqual([]);
      } finally {
        await Promise.all(replicas.map((r) => r.close()));
      }
    } finally {
      await database.drop();
    }
  });
});
