import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgliteDatabase {
  /** A postgres:// URL that node-postgres (and so TypeORM) can use: one connection at a time. */
  url: string;
  readonly stop: () => Promise<void>;
}

/**
 * The fallback where the PostgreSQL binaries cannot run: PostgreSQL compiled to WASM (PGlite) in
 * this process, stored in `<dataDir>/pglite`, served over a Unix socket in `<dataDir>/run`.
 * PGlite is a single session, so the app's pool is exactly one connection (DatabaseOptions
 * .singleSession). The caller holds the data-directory lock.
 */
export async function startPglite(dataDir: string): Promise<PgliteDatabase> {
  const dbDir = join(dataDir, 'pglite');
  mkdirSync(dbDir, { recursive: true });
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
      async stop() {
        await server.stop();
        await opened.close();
      },
    };
  } catch (err) {
    await db?.close().catch(() => undefined);
    throw err;
  }
}
