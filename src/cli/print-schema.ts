import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { loadConfig } from '../config/app-config.js';
import { GRAPHQL_SCHEMA_FILE } from '../config/paths.js';
import { createLogger } from '../common/logging/logger.js';
import { createScratchDatabase } from '../common/database/scratch-database.js';
import { startSwitchboard } from '../bootstrap.js';

/**
 * npm run schema:print   write src/schema.gql from the schema the app actually serves
 * npm run schema:check   exit 1 when src/schema.gql differs from it (CI)
 *
 * Boots the real app (api role, ephemeral ports, a scratch database) and prints its GraphQL schema,
 * so the committed file is exactly what /graphql serves.
 */
async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const base = loadConfig();
  const scratch = await createScratchDatabase(base.database.url, 'switchboard_schema');
  try {
    const config = { ...base, role: 'api' as const, database: { ...base.database, url: scratch.url }, grpc: { ...base.grpc, port: 0 }, http: { ...base.http, port: 0 }, host: '127.0.0.1' };
    const running = await startSwitchboard(config, createLogger('warn'));
    let printed: string;
    try {
      printed = printSchema(lexicographicSortSchema(running.app.get(GraphQLSchemaHost).schema)) + '\n';
    } finally {
      await running.close();
    }
    const committed = readFileSafe(GRAPHQL_SCHEMA_FILE);
    if (check) {
      if (committed !== printed) {
        console.error(`${relative(process.cwd(), GRAPHQL_SCHEMA_FILE)} is out of date: run \`npm run schema:print\` and commit it`);
        process.exit(1);
      }
      console.log('GraphQL schema file is current');
    } else {
      writeFileSync(GRAPHQL_SCHEMA_FILE, printed);
      console.log(`wrote ${relative(process.cwd(), GRAPHQL_SCHEMA_FILE)}`);
    }
  } finally {
    await scratch.drop();
  }
}

function readFileSafe(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
