import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { TokenService } from '../src/common/auth/token.service.js';
import { createScratchDatabase, serverAnswers } from '../src/common/database/scratch-database.js';
import { JWT, createWebhookNotifiers, loaded, publishAll, startSink, startSwitchboard, unary, waitForDeliveries, type Sink } from './delivery-harness.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 300);
const NOTIFIERS = Number(process.env.BENCH_NOTIFIERS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Round {
  deliveries: number;
  seconds: number;
  duplicates: number;
}

/**
 * `npm run bench:delivery -- --embedded`: what a newcomer's first burst costs on each database.
 * The same process (dist/src/main.js, role all) three ways in one run — on a scratch database of
 * the PostgreSQL server, on the embedded default (no DATABASE_URL: the embedded server in its
 * DATA_DIR), and on PGlite (EMBEDDED_DATABASE=pglite) — each for BENCH_ROUNDS rounds of: create
 * BENCH_NOTIFIERS webhook notifiers, publish BENCH_EVENTS order_paid events at once (no warm-up:
 * the notifiers are seconds old), wait until the sink has every delivery. Prints deliveries/s per
 * round, what arrived twice, and the ratio to the server (target ≥ 0.5×).
 */
export async function embeddedComparison(server: string): Promise<void> {
  if (!(await serverAnswers(server))) throw new Error(`no PostgreSQL server at ${server} (set BENCH_DATABASE_URL)`);
  const sink = await startSink();
  const results: { label: string; rounds: Round[] }[] = [];
  try {
    const db = await createScratchDatabase(server, 'switchboard_bench');
    try {
      results.push({ label: 'server', rounds: await rounds(sink, db.url, {}) });
    } finally {
      await db.drop();
    }
    results.push({ label: 'embedded', rounds: await rounds(sink, null, {}) });
    results.push({ label: 'pglite', rounds: await rounds(sink, null, { EMBEDDED_DATABASE: 'pglite' }) });
  } finally {
    sink.stop();
  }
  console.log(`${ROUNDS} rounds of ${EVENTS} events × ${NOTIFIERS} new webhook notifiers, published at once; sink verifies every signature`);
  const rate = (r: Round[]) => r.reduce((sum, x) => sum + x.deliveries, 0) / r.reduce((sum, x) => sum + x.seconds, 0);
  const serverRate = rate(results[0].rounds);
  for (const { label, rounds } of results) {
    const each = rounds.map((r) => `${(r.deliveries / r.seconds).toFixed(0)}/s`).join(', ');
    const duplicates = rounds.reduce((sum, r) => sum + r.duplicates, 0);
    console.log(`${label.padEnd(9)} ${rate(rounds).toFixed(0).padStart(6)} deliveries/s (rounds: ${each}; all ${EVENTS * NOTIFIERS} delivered each round, ${duplicates} twice)  ${(rate(rounds) / serverRate).toFixed(2)}× the server (target ≥ 0.50×)`);
  }
}

async function rounds(sink: Sink, databaseUrl: string | null, env: Record<string, string>): Promise<Round[]> {
  const work = mkdtempSync(join(tmpdir(), 'sb-bench-embedded-'));
  const app = await startSwitchboard(work, databaseUrl, sink.port, null, env);
  const token = await new TokenService(JWT).sign({ sub: 'bench', role: 'admin' });
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const integration = new loaded.rustbill.integration.IntegrationService(app.address, grpc.credentials.createInsecure());
  const events = new loaded.switchboard.events.v1.EventService(app.address, grpc.credentials.createInsecure());
  const out: Round[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      await sink.reset();
      const t0 = Date.now();
      // Notifiers enabled just before the events: every event must reach every one of them.
      const notifiers = await createWebhookNotifiers(integration, metadata, NOTIFIERS, sink.port, `round ${round} sink`);
      await publishAll(events, metadata, EVENTS, `round-${round}`);
      const report = await waitForDeliveries(sink, EVENTS * NOTIFIERS, 300_000);
      out.push({ deliveries: report.distinct, seconds: (report.lastAt - t0) / 1_000, duplicates: report.deliveries - report.distinct });
      for (const id of notifiers) await unary(integration, 'DeletePluginInterface', { interface_id: id }, metadata);
    }
  } finally {
    integration.close();
    events.close();
    await app.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}
