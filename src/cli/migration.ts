import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { DIST_ROOT, PROJECT_ROOT } from '../config/paths.js';
import { dataSourceOptions } from '../common/database/data-source-options.js';
import { runMigrationsLocked } from '../common/database/migrator.js';
import { createScratchDatabase } from '../common/database/scratch-database.js';
import { fail, loadConfigOrExit, parseFlags } from './cli-args.js';
import { withConfiguredDatabase } from './cli-database.js';

/**
 * npm run migration:run                    apply pending migrations (DATABASE_URL, else the embedded database in DATA_DIR)
 * npm run migration:revert                 undo the last applied migration
 * npm run migration:generate -- <Name>     write migrations/<timestamp>-<Name>.ts from the entity/schema difference
 * npm run migration:check                  exit 1 when entities and migrations differ (CI)
 *
 * generate and check compare against a scratch database built from the migrations alone (created
 * on the server of DATABASE_URL, else an embedded one), so the result never depends on the state
 * of a developer's database.
 */
const ENTITIES_GLOB = join(DIST_ROOT, 'src', 'modules', '**', '*.entity.js');

async function main(): Promise<void> {
  const { positional } = parseFlags(process.argv.slice(2));
  const [command, name] = positional;
  const config = loadConfigOrExit();

  switch (command) {
    case 'run':
      return withConfiguredDatabase(config, async (ds) => {
        const applied = await runMigrationsLocked(ds);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply: the schema is current');
      });
    case 'revert':
      return withConfiguredDatabase(config, async (ds) => {
        await ds.undoLastMigration({ transaction: 'each' });
        console.log('reverted the last migration');
      });
    case 'generate': {
      if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) fail('usage: npm run migration:generate -- <PascalCaseName>');
      const { up, down } = await schemaDiff(config);
      if (up.length === 0) {
        console.log('entities and migrations agree: nothing to generate');
        return;
      }
      const timestamp = Date.now();
      const file = join(PROJECT_ROOT, 'migrations', `${timestamp}-${name}.ts`);
      writeFileSync(file, migrationSource(`${name}${timestamp}`, up, down));
      console.log(`wrote ${relative(process.cwd(), file)}`);
      return;
    }
    case 'check': {
      const { up } = await schemaDiff(config);
      if (up.length > 0) {
        console.error('entities and migrations differ; run `npm run migration:generate -- <Name>`. Missing SQL:');
        for (const q of up) console.error(`  ${q};`);
        process.exit(1);
      }
      console.log('migrations match the entities');
      return;
    }
    default:
      fail('usage: migration.js run | revert | generate <Name> | check');
  }
}

async function schemaDiff(config: AppConfig): Promise<{ up: string[]; down: string[] }> {
  const scratch = await createScratchDatabase(config.database.url, 'switchboard_drift');
  try {
    const ds = await new DataSource(dataSourceOptions(scratch.url, 1, [ENTITIES_GLOB])).initialize();
    try {
      await runMigrationsLocked(ds);
      const sql = await ds.driver.createSchemaBuilder().log();
      return {
        up: sql.upQueries.map((q) => q.query),
        down: sql.downQueries.map((q) => q.query).reverse(),
      };
    } finally {
      await ds.destroy();
    }
  } finally {
    await scratch.drop();
  }
}

function migrationSource(className: string, up: string[], down: string[]): string {
  const literal = (q: string) => (/[`\\]|\$\{/.test(q) ? JSON.stringify(q) : `\`${q}\``);
  const lines = (queries: string[]) => queries.map((q) => `    await queryRunner.query(${literal(q)});`).join('\n');
  return `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${lines(up)}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${lines(down)}
  }
}
`;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
