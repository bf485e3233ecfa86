import { createScratchDatabase, serverAnswers, type ScratchDatabase } from '../../src/common/database/scratch-database.js';

export const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Set by the global setup when it started the embedded PostgreSQL server for this run. */
export const EMBEDDED_RUN_VARIABLE = 'SWITCHBOARD_TEST_EMBEDDED_SERVER';

/** Why a test is skipped on PGlite, in words a reader can act on. */
export const NEEDS_SERVER = 'needs a PostgreSQL server, not PGlite: run without TEST_DATABASE=pglite';

let server: Promise<string | null> | null = null;

/**
 * Where test databases are created (test/support/global-setup.ts decides once per run):
 * - TEST_DATABASE_URL (an admin URL of a server): there, and only there — if it does not answer,
 *   the tests fail rather than quietly running elsewhere (CI sets it);
 * - TEST_DATABASE=embedded: on the embedded PostgreSQL server the global setup started for the
 *   run (as `npm start` runs without DATABASE_URL), whatever else answers;
 * - TEST_DATABASE=pglite: nowhere, each test app gets a PGlite database of its own (the fallback
 *   where the server binaries cannot run; one connection per app);
 * - else the local server at 127.0.0.1:5432 if it answers, else the embedded server.
 */
export function testDatabaseServer(): Promise<string | null> {
  server ??= (async () => {
    const mode = testDatabaseMode();
    if (mode === 'pglite') return null;
    const url = process.env.TEST_DATABASE_URL || null;
    if (url === null) throw new Error('no test database: the global setup (test/support/global-setup.ts) did not run');
    if (!(await serverAnswers(url))) {
      throw new Error(`TEST_DATABASE_URL=${url} does not answer; start that server (no fallback when it is set)`);
    }
    return url;
  })();
  return server;
}

/** TEST_DATABASE, checked: unset, embedded or pglite. */
export function testDatabaseMode(): 'default' | 'embedded' | 'pglite' {
  const mode = process.env.TEST_DATABASE;
  if (mode === undefined || mode === '') return 'default';
  if (mode === 'embedded' || mode === 'pglite') return mode;
  throw new Error(`TEST_DATABASE=${mode}: the values are "embedded" (the embedded PostgreSQL server) and "pglite" (to use your own server, set TEST_DATABASE_URL)`);
}

/** True when the tests run on a PostgreSQL server (yours or the embedded one), false on PGlite. */
export async function testsHaveServer(): Promise<boolean> {
  return (await testDatabaseServer()) !== null;
}

/**
 * `describe`, or — on PGlite, a single session that several apps cannot share — `describe.skip`
 * with the reason in the suite's name (test-run.reporter lists skipped tests by name). Call it at
 * load time, with top-level await.
 */
export async function describeOnServer(name: string, body: () => void): Promise<void> {
  if (await testsHaveServer()) describe(name, body);
  else describe.skip(`${name} (skipped: ${NEEDS_SERVER})`, body);
}

/** A fresh, empty database; the app under test builds its schema with the migrations. */
export async function freshTestDatabase(): Promise<ScratchDatabase> {
  return createScratchDatabase(await testDatabaseServer(), 'switchboard_test', 'pglite');
}

export { serverAnswers };
