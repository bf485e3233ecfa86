import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/common/database/embedded-postgres.js';
import { EMBEDDED_RUN_VARIABLE, LOCAL_SERVER, serverAnswers, testDatabaseMode } from './test-database.js';

/** Jest's globalSetup and globalTeardown run in the same process: the server started is kept here. */
const run = globalThis as { switchboardTestServer?: { server: EmbeddedPostgres; dir: string } };

/**
 * Chooses the run's database server once, before any worker starts (workers inherit the
 * environment set here): TEST_DATABASE_URL as given; else, unless TEST_DATABASE says otherwise, the
 * local server if it answers; else the embedded PostgreSQL server — the one `npm start` runs without
 * DATABASE_URL — started here in a temporary directory and stopped by the teardown.
 */
export default async function globalSetup(): Promise<void> {
  const mode = testDatabaseMode();
  if (mode === 'pglite') return;
  if (process.env.TEST_DATABASE_URL) {
    if (mode === 'embedded') throw new Error('TEST_DATABASE=embedded and TEST_DATABASE_URL are both set: choose one');
    return;
  }
  if (mode === 'default' && (await serverAnswers(LOCAL_SERVER))) {
    process.env.TEST_DATABASE_URL = LOCAL_SERVER;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-server-'));
  const server = await startEmbeddedPostgres(dir, { engine: 'postgres', rootRunsAs: process.env.EMBEDDED_POSTGRES_USER ?? 'nobody', log: () => undefined });
  run.switchboardTestServer = { server, dir };
  const admin = new URL(server.url);
  admin.pathname = '/postgres';
  process.env.TEST_DATABASE_URL = admin.toString();
  process.env[EMBEDDED_RUN_VARIABLE] = '1';
}

export async function globalTeardown(): Promise<void> {
  const started = run.switchboardTestServer;
  if (!started) return;
  await started.server.stop();
  rmSync(started.dir, { recursive: true, force: true });
}
