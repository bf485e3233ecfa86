import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchDatabase, serverAnswers } from '../src/common/database/scratch-database.js';
import { spawnApp, waitForOk, waitForReadyLine } from '../test/support/spawn-app.js';

/**
 * Boot-to-ready time and idle memory of the real entry point (dist/src/main.js), on a PostgreSQL
 * server (if one answers on 127.0.0.1:5432 or BENCH_DATABASE_URL), on the embedded default (its
 * own PostgreSQL server: first start, which creates the cluster, and a restart) and on PGlite
 * (EMBEDDED_DATABASE=pglite). Idle memory 3 s after ready: the Node process's RSS, and the PSS of
 * the whole process tree (Node plus the embedded server's processes, shared pages counted once).
 * Prints figures; asserts nothing.
 *   npm run bench:boot
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
    const tree = [app.child.pid!, ...descendants(app.child.pid!)];
    const pssKb = tree.reduce((sum, pid) => sum + pss(pid), 0);
    console.log(
      `${label.padEnd(34)} boot-to-ready ${bootMs.toFixed(0).padStart(6)} ms   idle: node RSS ${(rssKb / 1024).toFixed(0).padStart(4)} MB, ` +
        `${tree.length} processes PSS ${(pssKb / 1024).toFixed(0).padStart(4)} MB`,
    );
  } finally {
    app.child.kill('SIGTERM');
    await app.exited;
  }
}

/** Every process below `root`, from /proc (the embedded server runs under a watchdog shell). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const [child, ppid] of parent) {
      if (ppid !== pid) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

function pss(pid: number): number {
  try {
    return Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
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
  const pgliteDir = mkdtempSync(join(tmpdir(), 'sb-bench-pglite-'));
  try {
    await measure('PGlite (first start, creates)', { DATA_DIR: pgliteDir, EMBEDDED_DATABASE: 'pglite' });
    await measure('PGlite (restart, reopens)', { DATA_DIR: pgliteDir, EMBEDDED_DATABASE: 'pglite' });
  } finally {
    rmSync(pgliteDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
