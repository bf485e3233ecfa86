import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EmbeddedEngineChoice } from '../../config/app-config.js';
import { StartupError } from '../system/startup-error.js';
import { lockDataDir } from './data-dir-lock.js';
import { startPglite } from './embedded/pglite.js';
import { EmbeddedServerUnavailable, startEmbeddedServer } from './embedded/postgres-server.js';

export interface EmbeddedPostgres {
  /** A postgres:// URL that node-postgres (and so TypeORM) can use. */
  url: string;
  /** postgres: a real server, any number of connections; pglite: one session (pool of one). */
  engine: 'postgres' | 'pglite';
  /** The pid whose stale lock on the data directory was taken over (see lockDataDir), else null. */
  tookOverLockFrom: number | null;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** EMBEDDED_DATABASE: auto (the server, else PGlite where it cannot run), postgres, pglite. */
  engine: EmbeddedEngineChoice;
  /** EMBEDDED_POSTGRES_USER: the system user the server runs as when this process is root. */
  rootRunsAs: string;
  readonly log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

export const EMBEDDED_DEFAULTS: EmbeddedOptions = { engine: 'auto', rootRunsAs: 'nobody', log: () => undefined };

/**
 * The zero-setup database in DATA_DIR, used when DATABASE_URL is unset: a real PostgreSQL server
 * run by this process (embedded/postgres-server.ts), or PGlite (embedded/pglite.ts) where that
 * server cannot run here, or where DATA_DIR holds PGlite data from an earlier version. A data
 * directory that already holds a server cluster is never served by PGlite instead (it would look
 * empty): a server that cannot start then is a start-up error. First takes the data-directory lock.
 */
export async function startEmbeddedPostgres(dataDir: string, options: EmbeddedOptions = EMBEDDED_DEFAULTS): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true });
  const lock = lockDataDir(dataDir);
  try {
    const opened = await open(dataDir, options);
    return {
      ...opened,
      tookOverLockFrom: lock.tookOverFrom,
      async stop() {
        try {
          await opened.stop();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function open(dataDir: string, options: EmbeddedOptions): Promise<Omit<EmbeddedPostgres, 'tookOverLockFrom'>> {
  const hasCluster = existsSync(join(dataDir, 'postgres', 'PG_VERSION'));
  const hasPglite = existsSync(join(dataDir, 'pglite', 'PG_VERSION'));
  if (options.engine === 'pglite' || (options.engine === 'auto' && hasPglite && !hasCluster)) {
    if (options.engine === 'auto') {
      options.log('warn', `${join(dataDir, 'pglite')} holds the data of an earlier Switchboard: serving it with PGlite, one connection at a time. To move to the embedded PostgreSQL server, export what you need, then move that directory away (EMBEDDED_DATABASE=pglite keeps PGlite and silences this)`);
    }
    return { engine: 'pglite', ...(await startPglite(dataDir)) };
  }
  try {
    const server = await startEmbeddedServer({ dataDir, rootRunsAs: options.rootRunsAs, log: options.log });
    if (server.osUser.becauseRoot) {
      options.log('warn', `running as root, which PostgreSQL refuses: the embedded server runs as system user ${server.osUser.name} (uid ${server.osUser.uid}), which owns ${join(dataDir, 'postgres')}; no user was created (EMBEDDED_POSTGRES_USER chooses another existing one)`);
    }
    return { engine: 'postgres', url: server.url, stop: () => server.stop() };
  } catch (err) {
    if (!(err instanceof EmbeddedServerUnavailable)) throw err;
    if (options.engine === 'postgres' || hasCluster) {
      throw new StartupError(`the embedded PostgreSQL server cannot run: ${err.message}${hasCluster ? ` (and ${join(dataDir, 'postgres')} holds its data, so PGlite does not stand in)` : ''}; or set DATABASE_URL`);
    }
    options.log('warn', `the embedded PostgreSQL server cannot run here (${err.message}): falling back to PGlite, one connection at a time`);
    return { engine: 'pglite', ...(await startPglite(dataDir)) };
  }
}
