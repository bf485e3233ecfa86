import { DataSource } from 'typeorm';
import type { TestApp } from './test-app.js';

/** What specs read and write the app's database with: `query` answers `{ rows }` as pg.Client does. */
export interface AppDatabase {
  query<T = any>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

/**
 * The app's own connection pool, for a spec's direct SQL. Unlike a second pg.Client it also works
 * on PGlite, which is one session (TEST_DATABASE=pglite).
 */
export function appDatabase(app: TestApp): AppDatabase {
  const dataSource = app.running.app.get(DataSource);
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      return { rows: await dataSource.query<T[]>(sql, params) };
    },
  };
}
