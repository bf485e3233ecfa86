import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchDatabase, serverAnswers } from '../src/common/database/scratch-database.js';
import { spawnApp, waitForOk, waitForReadyLine } from '../test/support/spawn-app.js';

/**
 * Boot-to-ready time and idle RSS of the real entry point (dist/src/main.js), on a PostgreSQL
 * server (if one answers on 127.0.0.1:5432 or BENCH_DATABASE_URL) and on the embedded database
 * (first start, which creates it, and a restart, which reopens it). Prints figures; asserts nothing.
 *   node dist/bench/boot.js
 */
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function measure(label: string, env: Record<string, string>): Promise<void> {
  const started = process.hrtime.bigint();
  // Ports 0: the app reports the ones the OS chose in its "switchboard ready" line (logged at info).
  const app = spawnApp({ ...env, HTTP_PORT: '0', GRPC_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123' });
  try {
    const { httpPort } = await waitForReadyLine(app, 120_000);
    await waitForOk(`http://127.0.0.1:${httpPort}/ready`, 10_000, app);
    const bootMs = Number(process.hrtime.bigint() - started) / 1e6;
    await new Promise((r) => setTimeout(r, 3_000));
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${app.child.pid}/status`, 'utf8'))?.[1]);
    console.log(`${label.padEnd(34)} boot-to-ready ${bootMs.toFixed(0).padStart(6)} ms   idle RSS ${(rssKb / 1024).toFixed(0).padStart(5)} MB`);
  } finally {
    app.child.kill('SIGTERM');
    await app.exited;
  }
}

async function main(): Promise<void> {
  if (await serverAnswers(SERVER)) {
    const db = await createScratchDatabase(SERVER, 'switchboard_bench');
    try {
      await measure('PostgreSQL server (fresh database)', { DATABASE_URL: db.url, DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-bench-')) });
      await measure('PostgreSQL server (restart)', { DATABASE_URL: db.url, DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-bench-')) });
    } finally {
      await db.drop();
    }
  } else {
    console.log(`no PostgreSQL server at ${SERVER}: skipping the server figures`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-bench-embedded-'));
  try {
    await measure('embedded (first start, creates)', { DATA_DIR: dataDir });
    await measure('embedded (restart, reopens)', { DATA_DIR: dataDir });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
