import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenService } from '../src/common/auth/token.service.js';
import { createScratchDatabase, serverAnswers } from '../src/common/database/scratch-database.js';
import { spawnApp, waitForOk, waitForReadyLine } from '../test/support/spawn-app.js';
import { BENCH_SECRETS_KEY } from './switchboard-process.js';

/**
 * How fast the GraphQL operation limits refuse a flood, on the real entry point (dist/src/main.js,
 * its own process, production settings) on a scratch database (BENCH_DATABASE_URL or
 * 127.0.0.1:5432, else the embedded default):
 *   - baseline, same run: `{ serverInfo { name } }` without a token (the cheapest answered call);
 *   - 10,000 aliases of serverInfo (~250 KB) without a token and with an admin token: refused at
 *     parse time by the token limit;
 *   - 6 aliases without a token: refused by the anonymous budget after validation;
 *   - /health latency idle (baseline) and while 16 clients (in this process) send 10,000-alias documents without a token, back to back.
 * Medians and p99 over BENCH_ROUNDS sequential requests each. Prints figures; asserts nothing.
 *   npm run bench:graphql-limits
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 50);
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';

const aliases = (n: number): string => `{ ${Array.from({ length: n }, (_, i) => `a${i}: serverInfo { name }`).join(' ')} }`;

async function post(url: string, query: string, token: string | null): Promise<{ ms: number; status: number; code: string }> {
  const started = process.hrtime.bigint();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { errors?: { extensions?: { errorCode?: string } }[] };
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, status: res.status, code: body.errors?.[0]?.extensions?.errorCode ?? 'ok' };
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function series(label: string, run: () => Promise<{ ms: number; status: number; code: string }>): Promise<void> {
  const times: number[] = [];
  let last = { status: 0, code: '' };
  for (let i = 0; i < ROUNDS; i++) {
    const r = await run();
    times.push(r.ms);
    last = r;
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(44)} p50 ${quantile(times, 0.5).toFixed(1).padStart(7)} ms   p99 ${quantile(times, 0.99).toFixed(1).padStart(7)} ms   → ${last.status} ${last.code}`);
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'sb-bench-gql-'));
  const db = (await serverAnswers(SERVER)) ? await createScratchDatabase(SERVER, 'switchboard_bench') : null;
  const app = spawnApp({
    ...(db ? { DATABASE_URL: db.url } : {}),
    DATA_DIR: join(work, 'data'),
    HTTP_PORT: '0',
    GRPC_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
    SECRETS_KEY: BENCH_SECRETS_KEY,
    JWT_SECRET: SECRET,
  });
  try {
    const { httpPort } = await waitForReadyLine(app, 120_000);
    const base = `http://127.0.0.1:${httpPort}`;
    await waitForOk(`${base}/ready`, 10_000, app);
    const url = `${base}/graphql`;
    const admin = await new TokenService(SECRET).sign({ sub: 'bench-admin', role: 'admin' });
    const flood = aliases(10_000);
    console.log(`GraphQL limits, ${ROUNDS} sequential requests each; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    await series('baseline: { serverInfo { name } }, no token', () => post(url, '{ serverInfo { name } }', null));
    await series('10,000 aliases (250 KB), no token', () => post(url, flood, null));
    await series('10,000 aliases (250 KB), admin token', () => post(url, flood, admin));
    await series('6 aliases, no token (anonymous budget)', () => post(url, aliases(6), null));

    const health = async () => {
      const started = process.hrtime.bigint();
      const res = await fetch(`${base}/health`);
      await res.arrayBuffer();
      return { ms: Number(process.hrtime.bigint() - started) / 1e6, status: res.status, code: '' };
    };
    await series('/health, idle (baseline)', health);
    let flooding = true;
    const floods = Array.from({ length: 16 }, async () => {
      while (flooding) await post(url, flood, null);
    });
    await new Promise((r) => setTimeout(r, 500));
    await series('/health while 16 clients flood without token', health);
    flooding = false;
    await Promise.all(floods);
    console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    app.child.kill('SIGTERM');
    await app.exited;
    await db?.drop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
