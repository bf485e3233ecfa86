import { createScratchDatabase, serverAnswers, type ScratchDatabase } from '../../src/common/database/scratch-database.js';

const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

let server: Promise<string | null> | null = null;

/**
 * Where test databases are created: TEST_DATABASE_URL (an admin URL of a server), else the local
 * server at 127.0.0.1:5432, else none — then each test app gets an embedded PGlite database.
 */
export function testDatabaseServer(): Promise<string | null> {
  server ??= (async () => {
    if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
    return (await serverAnswers(LOCAL_SERVER)) ? LOCAL_SERVER : null;
  })();
  return server;
}

/** A fresh, empty database; the app under test builds its schema with the migrations. */
export async function freshTestDatabase(): Promise<ScratchDatabase> {
  return createScratchDatabase(await testDatabaseServer(), 'switchboard_test');
}
