import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DATABASE_OPTIONS, type DatabaseOptions } from './database-options.js';
import { dataSourceOptions } from './data-source-options.js';
import { PgListener } from './pg-listener.js';
import { runMigrationsLocked } from './migrator.js';

export { DATABASE_OPTIONS, type DatabaseOptions } from './database-options.js';

/**
 * TypeORM on PostgreSQL. The data source is ready only after pending migrations are applied
 * (under an advisory lock), so every module starts on the current schema.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(options.url, options.singleSession ? 1 : options.poolSize),
            autoLoadEntities: true,
          }),
          dataSourceFactory: async (typeormOptions) => {
            const dataSource = await new DataSource(typeormOptions!).initialize();
            await runMigrationsLocked(dataSource);
            return dataSource;
          },
        }),
      ],
      providers: [{ provide: DATABASE_OPTIONS, useValue: options }, PgListener],
      exports: [DATABASE_OPTIONS, PgListener],
    };
  }
}
