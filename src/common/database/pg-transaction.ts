import type { DataSource } from 'typeorm';
import { driverPool, type PreparedStatement } from './prepared-query.js';

interface PooledClient {
  query<R>(statement: PreparedStatement | string): Promise<{ rows: R[] }>;
  release(err?: Error | boolean): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'error', listener: (err: Error) => void): unknown;
}

interface ConnectablePool {
  connect(): Promise<PooledClient>;
}

/** Runs a named statement inside pgTransaction(); rows as pg decodes them. */
export type TransactionQuery = <R>(statement: PreparedStatement) => Promise<R[]>;

/**
 * `fn` in one transaction on a client of the data source's own pg pool, without TypeORM's
 * QueryRunner (its per-statement bookkeeping showed in the delivery profile), with named
 * statements that PostgreSQL plans once per connection. For hot, fixed statements only; errors are
 * pg's. A client that failed (an 'error' event, a failed COMMIT or ROLLBACK) is discarded, not
 * returned to the pool.
 */
export async function pgTransaction<T>(source: DataSource, fn: (query: TransactionQuery) => Promise<T>): Promise<T> {
  const client = await driverPool<ConnectablePool>(source).connect();
  let broken: Error | undefined;
  // A checked-out client has no listener of the pool's: a connection lost meanwhile (the server
  // restarted) would be an unhandled 'error' event, and the end of the process.
  const onError = (err: Error): void => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    let result: T;
    try {
      result = await fn(async <R>(statement: PreparedStatement) => (await client.query<R>(statement)).rows);
    } catch (err) {
      await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
      throw err;
    }
    await client.query('COMMIT').catch((commit: Error) => {
      broken = commit;
      throw commit;
    });
    return result;
  } finally {
    client.off('error', onError);
    client.release(broken ?? false);
  }
}
