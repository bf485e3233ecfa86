import { EntityManager, type DataSource } from 'typeorm';

/** A named statement: PostgreSQL parses and plans it once per connection, then only binds. */
export interface PreparedStatement {
  /** Unique per statement text across the process (pg keys prepared statements by name). */
  name: string;
  text: string;
  values: unknown[];
}

interface QueryablePool {
  query<R>(statement: PreparedStatement): Promise<{ rows: R[] }>;
}

/**
 * Runs a named statement on the data source's own pg pool (TypeORM's query() sends every
 * statement unnamed, so PostgreSQL parses and plans it on every call). For hot, fixed reads only:
 * rows come back as pg decodes them (snake_case columns, jsonb parsed, timestamptz as Date), and
 * errors are pg's, not TypeORM's QueryFailedError. Given a transaction's EntityManager, on that
 * transaction's connection.
 */
export async function preparedQuery<R>(source: DataSource | EntityManager, statement: PreparedStatement): Promise<R[]> {
  if (source instanceof EntityManager) {
    const runner = source.queryRunner as unknown as { connect(): Promise<QueryablePool> } | undefined;
    if (runner === undefined) return preparedQuery(source.connection, statement);
    return (await (await runner.connect()).query<R>(statement)).rows;
  }
  return (await driverPool<QueryablePool>(source).query<R>(statement)).rows;
}

/** The data source's own pg pool (TypeORM's driver keeps it as `master`), typed by what the caller uses of it. */
export function driverPool<P>(source: DataSource): P {
  const pool = (source.driver as unknown as { master?: P }).master;
  if (pool === undefined) throw new Error('the data source is not connected');
  return pool;
}
