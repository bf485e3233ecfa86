import { EMBEDDED_RUN_VARIABLE, testDatabaseServer } from './test-database.js';

/** The parts of Jest's aggregated results this reporter reads (its types are not a dependency). */
interface AggregatedResults {
  testResults: { testFilePath: string; testResults: { status: string; fullName: string }[] }[];
}

/**
 * Says what the run depends on, where Jest's default reporter is silent: which database the test
 * apps use (first), and every skipped test with its name — which carries the reason — at the end.
 * (Jest prints nothing at all, not even console output, for a test file whose tests are all
 * skipped.)
 */
export default class TestRunReporter {
  async onRunStart(): Promise<void> {
    let line: string;
    try {
      const server = await testDatabaseServer();
      line = server
        ? `test databases: on ${process.env[EMBEDDED_RUN_VARIABLE] ? 'the embedded PostgreSQL server started for this run' : 'the PostgreSQL server'} ${redact(server)}`
        : 'test databases: PGlite (TEST_DATABASE=pglite, one connection per app); tests that need a PostgreSQL server are skipped';
    } catch (err) {
      line = `test databases: ${(err as Error).message}`;
    }
    process.stderr.write(`\n${line}\n\n`);
  }

  onRunComplete(_contexts: unknown, results: AggregatedResults): void {
    const skipped = results.testResults.flatMap((file) => file.testResults.filter((t) => t.status === 'pending').map((t) => t.fullName));
    if (skipped.length === 0) return;
    process.stderr.write(`\nskipped (${skipped.length}):\n${skipped.map((name) => `  - ${name}\n`).join('')}\n`);
  }
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
