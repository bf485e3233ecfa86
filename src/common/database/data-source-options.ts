import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS_GLOB } from '../../config/paths.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

/**
 * The one description of how Switchboard talks to PostgreSQL, shared by the app, the migration
 * CLI and the tests. Schema changes only through migrations: synchronize is off everywhere.
 */
export function dataSourceOptions(url: string, poolSize: number, entities: DataSourceOptions['entities'] = []): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    namingStrategy: new SnakeNamingStrategy(),
    poolSize,
    extra: { application_name: 'switchboard', connectionTimeoutMillis: 10_000 },
    logging: false,
  };
}
