import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { lockDataDir } from './data-dir-lock.js';

export interface EmbeddedPostgres {
  /** A postgres:// URL that node-postgres (and so TypeORM) can use. */
  url: string;
  /** The pid whose stale lock on the data directory was taken over (see lockDataDir), else null. */
  tookOverLockFrom: number | null;
  stop(): Promise<void>;
}

/**
 * The zero-setup default: PostgreSQL 18 compiled to WASM (PGlite), stored in `<dataDir>/pglite`,
 * served over a Unix socket in the data directory, so nothing outside the project changes (no
 * system user, no port). PGlite is a single session: the app must use a pool of exactly one
 * connection, or one connection's transaction would be seen by, or block, the others.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dbDir = join(dataDir, 'pglite');
  mkdirSync(dbDir, { recursive: true });
  // Before the database files are opened: a second process must not touch them at all.
  const lock = lockDataDir(dataDir);
  let db: PGlite | null = null;
  try {
    db = await PGlite.create({ dataDir: dbDir });
    // node-postgres reaches a Unix socket as <host dir>/.s.PGSQL.<port>.
    const socketDir = join(dataDir, 'run');
    mkdirSync(socketDir, { recursive: true });
    const port = 5432;
    const server = new PGLiteSocketServer({ db, path: join(socketDir, `.s.PGSQL.${port}`), maxConnections: 1 });
    await server.start();
    const opened = db;
    return {
      url: `postgres://postgres@localhost:${port}/postgres?host=${encodeURIComponent(socketDir)}`,
      tookOverLockFrom: lock.tookOverFrom,
      async stop() {
        try {
          await server.stop();
          await opened.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    await db?.close().catch(() => undefined);
    lock.release();
    throw err;
  }
}
