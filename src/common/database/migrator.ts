import { MigrationExecutor, type DataSource } from 'typeorm';

/** Arbitrary constant key: every replica takes the same lock before migrating. */
const MIGRATION_LOCK_KEY = 7_243_911_001;

/**
 * Applies pending migrations under a session-level advisory lock, so replicas that boot together
 * migrate once and the others wait and find nothing to do. Lock and migrations use one connection,
 * which also keeps the embedded database (a single session) from deadlocking.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      const applied = await executor.executePendingMigrations();
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const executor = new MigrationExecutor(dataSource);
  return (await executor.getPendingMigrations()).map((m) => m.name);
}
