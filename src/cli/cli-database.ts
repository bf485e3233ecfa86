import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from '../common/database/data-source-options.js';
import { startEmbeddedPostgres } from '../common/database/embedded-postgres.js';

/**
 * Runs `fn` on the configured database, as the server would use it: DATABASE_URL, else the
 * embedded database in DATA_DIR (started for the command; refused while a server holds it).
 */
export async function withConfiguredDatabase(config: AppConfig, fn: (ds: DataSource) => Promise<void>, entities: DataSourceOptions['entities'] = []): Promise<void> {
  const embedded = config.database.url ? null : await startEmbeddedPostgres(config.dataDir, { ...config.database.embedded, log: (_level, message) => console.error(message) });
  const url = config.database.url ?? embedded!.url;
  const ds = await new DataSource(dataSourceOptions(url, 1, entities)).initialize();
  try {
    await fn(ds);
  } finally {
    await ds.destroy();
    await embedded?.stop();
  }
}

