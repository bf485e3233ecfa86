import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { EmbeddedEngineChoice } from '../../config/app-config.js';
import { EMBEDDED_DEFAULTS, startEmbeddedPostgres } from './embedded-postgres.js';

export interface ScratchDatabase {
  url: string;
  /** server: a database on the given server; postgres / pglite: an embedded database of its own. */
  kind: 'server' | 'postgres' | 'pglite';
  drop(): Promise<void>;
}

/**
 * A brand-new, empty database for one test run or one drift check. On a PostgreSQL server (the
 * given admin URL) it is `CREATE DATABASE <prefix>_<random>`, dropped afterwards; without a
 * server, an embedded database (the server, or PGlite where it cannot run, or as `engine` says) in
 * a temporary directory, deleted afterwards.
 */
export async function createScratchDatabase(serverUrl: string | null, prefix = 'switchboard_scratch', engine: EmbeddedEngineChoice = 'auto'): Promise<ScratchDatabase> {
  if (serverUrl === null) {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    const embedded = await startEmbeddedPostgres(dir, { ...EMBEDDED_DEFAULTS, engine });
    return {
      url: embedded.url,
      kind: embedded.engine,
      async drop() {
        await embedded.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    kind: 'server',
    async drop() {
      await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** True when a PostgreSQL server answers at this URL within a second. */
export async function serverAnswers(url: string): Promise<boolean> {
  try {
    await withClient(url, (client) => client.query('SELECT 1'), 1_000);
    return true;
  } catch {
    return false;
  }
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
