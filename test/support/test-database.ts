import { createScratchDatabase, serverAnswers, type ScratchDatabase } from '../../src/common/database/scratch-database.js';

const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Why a test is skipped on the embedded database, in words a reader can act on. */
export const NEEDS_SERVER = 'needs a PostgreSQL server: set TEST_DATABASE_URL or start one on 127.0.0.1:5432';

let server: Promise<string | null> | null = null;

/**
 * Where test databases are created:
 * - TEST_DATABASE=embedded: nowhere, each test app gets an embedded PGlite database;
 * - TEST_DATABASE_URL (an admin URL of a server): there, and only there — if it does not answer,
 *   the tests fail rather than quietly running on the embedded database (CI sets it);
 * - else the local server at 127.0.0.1:5432 if it answers, else the embedded database.
 */
export function testDatabaseServer(): Promise<string | null> {
  server ??= (async () => {
    const mode = process.env.TEST_DATABASE;
    const url = process.env.TEST_DATABASE_URL || null;
    if (mode !== undefined && mode !== '' && mode !== 'embedded') {
      throw new Error(`TEST_DATABASE=${mode}: the only value is "embedded" (to use a server, set TEST_DATABASE_URL)`);
    }
    if (mode === 'embedded') {
      if (url) throw new Error('TEST_DATABASE=embedded and TEST_DATABASE_URL are both set: choose one');
      return null;
    }
    if (url) {
      if (!(await serverAnswers(url))) {
        throw new Error(`TEST_DATABASE_URL=${url} does not answer; start that server (no fallback to the embedded database when it is set)`);
      }
      return url;
    }
    return (await serverAnswers(LOCAL_SERVER)) ? LOCAL_SERVER : null;
  })();
  return server;
}

/** True when the tests run on a PostgreSQL server, false on the embedded database. */
export async function testsHaveServer(): Promise<boolean> {
  return (await testDatabaseServer()) !== null;
}

/**
 * `describe`, or — on the embedded database, a single session that several apps cannot share —
 * `describe.skip` with the reason in the suite's name (test-run.reporter lists skipped tests by
 * name). Call it at load time, with top-level await.
 */
export async function describeOnServer(name: string, body: () => void): Promise<void> {
  if (await testsHaveServer()) describe(name, body);
  else describe.skip(`${name} (skipped: ${NEEDS_SERVER})`, body);
}

/** A fresh, empty database; the app under test builds its schema with the migrations. */
export async function freshTestDatabase(): Promise<ScratchDatabase> {
  return createScratchDatabase(await testDatabaseServer(), 'switchboard_test');
}
