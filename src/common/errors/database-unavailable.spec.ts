import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';
import { databaseUnavailableReason, isDatabaseUnavailable } from './database-unavailable.js';

/**
 * Every error here is produced for real, by node-postgres (pg.Client, pg.Pool) or TypeORM (a
 * DataSource) meeting a closed port, a missing unix socket, a server that never answers, one
 * that hangs up or resets, and a small server speaking PostgreSQL's wire protocol that refuses
 * the connection or the first query with the SQLSTATE a real server sends (57P03 while it
 * starts up, 53300 when its connection slots are full, 57P01 when it is shut down under a query).
 */

const PASSWORD = 'pw-never-shown-3f9a';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const urlOf = (port: number) => `postgres://switchboard:${PASSWORD}@127.0.0.1:${port}/switchboard`;

/** What `promise` rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

async function clientError(config: pg.ClientConfig, then?: (client: pg.Client) => Promise<unknown>): Promise<unknown> {
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  try {
    return await rejection(client.connect().then(() => then?.(client)));
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface Refusal {
  severity: 'FATAL' | 'ERROR';
  code: string;
  message: string;
}

/** An ErrorResponse message: 'E', its length, then the S/V/C/M fields, each a C string. */
function errorResponse({ severity, code, message }: Refusal): Buffer {
  const pairs = [['S', severity], ['V', severity], ['C', code], ['M', message]];
  const fields = Buffer.concat([...pairs.map(([k, v]) => Buffer.from(`${k}${v}\0`)), Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

const AUTHENTICATION_OK = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]);
const READY_FOR_QUERY = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);

/**
 * A server speaking just enough of the protocol: it refuses the startup with `startup`, or
 * accepts it (no password asked) and answers the first query with `query`; a FATAL one ends
 * the connection, as a real backend does.
 */
async function fakePostgres(refusals: { startup?: Refusal; query?: Refusal }): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let started = false;
    socket.on('data', () => {
      const refusal = started ? refusals.query : refusals.startup;
      if (!started && !refusal) {
        started = true;
        socket.write(Buffer.concat([AUTHENTICATION_OK, READY_FOR_QUERY]));
        return;
      }
      if (!refusal) return;
      if (refusal.severity === 'FATAL') socket.end(errorResponse(refusal));
      else socket.write(Buffer.concat([errorResponse(refusal), READY_FOR_QUERY]));
    });
  });
  const port = await listen(server);
  return {
    url: urlOf(port),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function queryError(refusal: Refusal): Promise<unknown> {
  const server = await fakePostgres({ query: refusal });
  try {
    return await clientError({ connectionString: server.url }, (client) => client.query('SELECT 1'));
  } finally {
    await server.close();
  }
}

async function startupError(refusal: Refusal): Promise<unknown> {
  const server = await fakePostgres({ startup: refusal });
  try {
    return await clientError({ connectionString: server.url });
  } finally {
    await server.close();
  }
}

async function typeormError(url: string): Promise<unknown> {
  const source = new DataSource({ type: 'postgres', url, extra: { connectionTimeoutMillis: 2_000 } });
  const err = await rejection(source.initialize());
  if (source.isInitialized) await source.destroy();
  return err;
}

const ADMIN_SHUTDOWN: Refusal = { severity: 'FATAL', code: '57P01', message: 'terminating connection due to administrator command' };

describe('isDatabaseUnavailable', () => {
  it('a connection refused: ECONNREFUSED from pg.Client, and from TypeORM initialising against the same port', async () => {
    const port = await closedPort();
    const err = await clientError({ connectionString: urlOf(port) });
    expect(err).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
    expect(databaseUnavailableReason(err)).toBe('ECONNREFUSED');
    expect(databaseUnavailableReason(await typeormError(urlOf(port)))).toBe('ECONNREFUSED');
  });

  it('a unix socket that is gone: ENOENT from connect()', async () => {
    const err = await clientError({ host: '/nonexistent-switchboard-socket-dir', user: 'switchboard', password: PASSWORD, database: 'switchboard' });
    expect(err).toMatchObject({ code: 'ENOENT', syscall: 'connect' });
    expect(databaseUnavailableReason(err)).toBe('ENOENT');
  });

  it('a server that never answers: pg.Pool past connectionTimeoutMillis, and pg.Client past its own', async () => {
    const silent = createServer((socket) => socket.on('error', () => undefined));
    const port = await listen(silent);
    try {
      const pool = new pg.Pool({ connectionString: urlOf(port), connectionTimeoutMillis: 150 });
      const fromPool = await rejection(pool.query('SELECT 1'));
      await pool.end();
      expect(String((fromPool as Error).message)).toMatch(/timeout/);
      expect(databaseUnavailableReason(fromPool)).not.toBeNull();
      const fromClient = await clientError({ connectionString: urlOf(port), connectionTimeoutMillis: 150 });
      expect(databaseUnavailableReason(fromClient)).toBe('connect timeout');
    } finally {
      silent.close();
    }
  });

  it('a server that hangs up ("Connection terminated unexpectedly") or resets the connection (ECONNRESET)', async () => {
    const hangUp = createServer((socket) => socket.once('data', () => socket.end()));
    const reset = createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    try {
      const terminated = await clientError({ connectionString: urlOf(await listen(hangUp)) });
      expect((terminated as Error).message).toBe('Connection terminated unexpectedly');
      expect(databaseUnavailableReason(terminated)).toBe('connection terminated');
      const wasReset = await clientError({ connectionString: urlOf(await listen(reset)) });
      expect(wasReset).toMatchObject({ code: 'ECONNRESET' });
      expect(databaseUnavailableReason(wasReset)).toBe('ECONNRESET');
    } finally {
      hangUp.close();
      reset.close();
    }
  });

  it('a server refusing the connection: 57P03 while it starts up, 53300 with its slots full', async () => {
    const starting = await startupError({ severity: 'FATAL', code: '57P03', message: 'the database system is starting up' });
    expect(starting).toBeInstanceOf(pg.DatabaseError);
    expect(databaseUnavailableReason(starting)).toBe('SQLSTATE 57P03');
    const full = await startupError({ severity: 'FATAL', code: '53300', message: 'sorry, too many clients already' });
    expect(databaseUnavailableReason(full)).toBe('SQLSTATE 53300');
  });

  it('a query cut off by a shutdown (57P01), a crash (57P02) or a connection failure (class 08)', async () => {
    const shutdown = await queryError(ADMIN_SHUTDOWN);
    expect(shutdown).toBeInstanceOf(pg.DatabaseError);
    expect(databaseUnavailableReason(shutdown)).toBe('SQLSTATE 57P01');
    const crash = await queryError({ severity: 'FATAL', code: '57P02', message: 'terminating connection because of crash of another server process' });
    expect(databaseUnavailableReason(crash)).toBe('SQLSTATE 57P02');
    const failure = await queryError({ severity: 'FATAL', code: '08006', message: 'connection failure' });
    expect(databaseUnavailableReason(failure)).toBe('SQLSTATE 08006');
  });

  it("TypeORM's QueryFailedError around the driver's error (its first query on connecting cut off by a shutdown)", async () => {
    const server = await fakePostgres({ query: ADMIN_SHUTDOWN });
    try {
      const err = await typeormError(server.url);
      expect(err).toBeInstanceOf(QueryFailedError);
      expect((err as QueryFailedError).driverError).toBeInstanceOf(pg.DatabaseError);
      expect(databaseUnavailableReason(err)).toBe('SQLSTATE 57P01');
      // Only the wrapped error says so (TypeORM copies its fields up; the classifier reads either).
      expect(databaseUnavailableReason({ driverError: (err as QueryFailedError).driverError })).toBe('SQLSTATE 57P01');
    } finally {
      await server.close();
    }
  });

  it('an AggregateError, one member per address tried, when one of them says so', async () => {
    const refused = await clientError({ connectionString: urlOf(await closedPort()) });
    expect(databaseUnavailableReason(new AggregateError([new Error('first address: something else'), refused]))).toBe('ECONNREFUSED');
  });

  it('is not fooled by errors that are not an outage', async () => {
    expect(isDatabaseUnavailable(await queryError({ severity: 'ERROR', code: '23505', message: 'duplicate key value violates unique constraint "t_pkey"' }))).toBe(false);
    expect(isDatabaseUnavailable(await queryError({ severity: 'ERROR', code: '42601', message: 'syntax error at or near "SELEC"' }))).toBe(false);
    // A protocol violation (class 08 too) is a bug on one side: retrying it does not help.
    expect(isDatabaseUnavailable(await queryError({ severity: 'FATAL', code: '08P01', message: 'invalid frontend message type 0' }))).toBe(false);
    // ENOENT from a file, not from connect().
    expect(isDatabaseUnavailable(await rejection(readFile('/nonexistent-switchboard-file')))).toBe(false);
    // fetch() puts its socket error under `cause`: another service being away is not the database.
    expect(isDatabaseUnavailable(await rejection(fetch(`http://127.0.0.1:${await closedPort()}/`)))).toBe(false);
    for (const value of [new Error('boom'), new TypeError('x is undefined'), 'ECONNREFUSED', { code: 'ECONNREFUSED' }, null, undefined, 42]) {
      expect(isDatabaseUnavailable(value)).toBe(false);
    }
  });

  it('says why in a fixed word, never with the address or the password', async () => {
    const err = await clientError({ connectionString: urlOf(await closedPort()) });
    expect(databaseUnavailableReason(err)).toMatch(/^[A-Z]+$/);
    expect(databaseUnavailableReason(err)).not.toContain(PASSWORD);
  });
});
