import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import { TokenService } from '../src/common/auth/token.service.js';
import { createScratchDatabase, serverAnswers } from '../src/common/database/scratch-database.js';
import { bareLoop, processCpuMs, type BareRun } from './bare-loop.js';
import { embeddedComparison } from './delivery-embedded.js';
import {
  JWT,
  createWebhookNotifiers,
  loaded,
  pct,
  publishAll,
  publishAtRate,
  startSink,
  startSwitchboard,
  waitForDeliveries,
  type SinkReport,
} from './delivery-harness.js';
import type { SwitchboardProcess } from './switchboard-process.js';

/**
 * The delivery engine under load: N events × M webhook notifiers, published through
 * EventService/PublishEvents to the real entry point (dist/src/main.js) on a scratch PostgreSQL
 * database, delivered by the built-in webhook plugin to a sink in its own process
 * (bench/delivery-sink.ts) that verifies every Standard Webhooks signature. First, in the same run,
 * a bare loop doing the same PostgreSQL writes and the same signed HTTP POSTs with no framework,
 * batched as a well-written engine batches them (bench/bare-loop.ts); then the ratios of
 * deliveries/s and of CPU per delivery (every Switchboard process, all threads, against the bare
 * loop's process).
 *
 *   npm run bench:delivery
 *   npm run bench:delivery -- --burst 4000 --notifiers 1 --steady-ratio 0.2,0.4,0.6,0.8
 *   npm run bench:delivery -- --workers 2        one api process and 2 worker processes on the database
 *   npm run bench:delivery -- --busy-core        another process keeps one core busy meanwhile
 *   npm run bench:delivery -- --embedded         the default database against the server (delivery-embedded.ts)
 *
 * The burst: all N events at once, deliveries/s until the sink has them all, duplicates and lost
 * counted at the sink, the database's wait events sampled meanwhile. Then one steady run per
 * --steady-ratio: R × the bare loop's deliveries/s for --steady-seconds (10), event→delivered
 * p50/p99 measured at the sink from the event's occurred_at. Prints figures; asserts nothing;
 * never part of `npm test`.
 */
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
/** --burst N: events published at once (BENCH_EVENTS, 2,000). */
const EVENTS = Number(option('--burst', process.env.BENCH_EVENTS ?? '2000'));
/** --notifiers M: enabled webhook notifiers, each getting every event (BENCH_NOTIFIERS, 2). */
const NOTIFIERS = Number(option('--notifiers', process.env.BENCH_NOTIFIERS ?? '2'));
/** --steady-ratio R[,R…]: steady runs at R × the same run's bare-loop deliveries/s (0.4). */
const STEADY_RATIOS = option('--steady-ratio', '0.4').split(',').map(Number).filter((r) => r > 0);
/** --steady-seconds S: how long each steady run publishes (BENCH_RATE_SECONDS, 10). */
const STEADY_SECONDS = Number(option('--steady-seconds', process.env.BENCH_RATE_SECONDS ?? '10'));
/** --workers K: one api process and K worker processes (SWITCHBOARD_ROLE) on the database; 0: one process, role all. */
const WORKERS = Number(option('--workers', '0'));
/** --busy-core: a process spinning on one core through every run, the bare loop's included. */
const BUSY_CORE = args.includes('--busy-core');
/** --cpu-prof: keep a V8 CPU profile of the Switchboard process (directory printed). */
const PROF_DIR = args.includes('--cpu-prof') ? mkdtempSync(join(tmpdir(), 'sb-bench-delivery-prof-')) : null;

interface SteadyRun {
  ratio: number;
  eventsPerSecond: number;
  report: SinkReport;
}

async function main(): Promise<void> {
  if (!(await serverAnswers(SERVER))) throw new Error(`no PostgreSQL server at ${SERVER} (set BENCH_DATABASE_URL)`);
  const spinner = BUSY_CORE ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : null;
  const sink = await startSink();
  const token = await new TokenService(JWT).sign({ sub: 'bench', role: 'admin' });
  const work = mkdtempSync(join(tmpdir(), 'sb-bench-delivery-'));
  const loadBefore = loadavg();
  let bare: BareRun;
  let perRow: BareRun;
  let burst: { deliveries: number; seconds: number; report: SinkReport; cpuMs: number; waits: Map<string, number>; stages: string };
  const steady: SteadyRun[] = [];
  try {
    // The bare loop first: the steady runs are set relative to its rate.
    const bareDb = await createScratchDatabase(SERVER, 'switchboard_bench_bare');
    try {
      bare = await bareLoop(bareDb.url, sink, EVENTS, NOTIFIERS, 'batched');
      perRow = await bareLoop(bareDb.url, sink, EVENTS, NOTIFIERS, 'perRow');
    } finally {
      await bareDb.drop();
    }
    const bareRate = bare.deliveries / bare.seconds;

    const db = await createScratchDatabase(SERVER, 'switchboard_bench');
    const processes: SwitchboardProcess[] = [];
    try {
      const roles = WORKERS > 0 ? ['api', ...Array.from({ length: WORKERS }, () => 'worker')] : ['all'];
      for (const [i, role] of roles.entries()) {
        const dir = join(work, `p${i}`);
        mkdirSync(dir);
        processes.push(await startSwitchboard(dir, db.url, sink.port, i === 0 ? PROF_DIR : null, { SWITCHBOARD_ROLE: role }));
      }
      const app = processes[0];
      const integration = new loaded.rustbill.integration.IntegrationService(app.address, grpc.credentials.createInsecure());
      const events = new loaded.switchboard.events.v1.EventService(app.address, grpc.credentials.createInsecure());
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      try {
        await createWebhookNotifiers(integration, metadata, NOTIFIERS, sink.port);
        // Warm-up: sandbox workers, compiled instances, connection pools. The sink still holds the
        // bare loop's deliveries: forgotten first, or the wait would return before the warm-up arrived.
        await sink.reset();
        await publishAll(events, metadata, 100, 'warm');
        await waitForDeliveries(sink, 100 * NOTIFIERS, 60_000);
        await sink.reset();

        const cpu = () => processes.reduce((sum, p) => sum + processCpuMs(p.pid), 0);
        const cpu0 = cpu();
        const sampler = sampleWaits(db.url);
        const t0 = Date.now();
        await publishAll(events, metadata, EVENTS, 'burst');
        const report = await waitForDeliveries(sink, EVENTS * NOTIFIERS, 300_000);
        burst = { deliveries: report.deliveries, seconds: (report.lastAt - t0) / 1_000, report, cpuMs: cpu() - cpu0, waits: await sampler.stop(), stages: await stageTimes(db.url) };
        await sink.reset();

        for (const ratio of STEADY_RATIOS) {
          const eventsPerSecond = (ratio * bareRate) / NOTIFIERS;
          const run = await publishAtRate(events, metadata, eventsPerSecond, STEADY_SECONDS);
          steady.push({ ratio, eventsPerSecond: run.events / run.seconds, report: await waitForDeliveries(sink, run.events * NOTIFIERS, 300_000) });
          await sink.reset();
        }
      } finally {
        integration.close();
        events.close();
      }
    } finally {
      for (const p of processes) await p.stop();
      await db.drop();
    }
  } finally {
    sink.stop();
    spinner?.kill();
    rmSync(work, { recursive: true, force: true });
  }

  const setup = `${EVENTS} events × ${NOTIFIERS} webhook notifiers, ${WORKERS > 0 ? `1 api + ${WORKERS} worker processes` : 'one process (role all)'}${BUSY_CORE ? ', one core kept busy' : ''}`;
  console.log(`${setup}; sink in its own process verifying every signature; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} → ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  line('switchboard', burst.deliveries, burst.seconds, burst.report, burst.cpuMs);
  line('bare loop', bare.deliveries, bare.seconds, bare.report, bare.cpuMs);
  line('bare per-row', perRow.deliveries, perRow.seconds, perRow.report, perRow.cpuMs);
  const ratio = burst.deliveries / burst.seconds / (bare.deliveries / bare.seconds);
  const cpuRatio = burst.cpuMs / burst.deliveries / (bare.cpuMs / bare.deliveries);
  console.log(`ratio: switchboard / bare loop = ${ratio.toFixed(2)}× deliveries/s (target ≥ 0.60×); CPU per delivery ${cpuRatio.toFixed(2)}× the bare loop's (target ≤ 2×)`);
  console.log(`(the per-row loop, the baseline of earlier versions of this bench: switchboard / per-row = ${(burst.deliveries / burst.seconds / (perRow.deliveries / perRow.seconds)).toFixed(2)}×)`);
  const expected = EVENTS * NOTIFIERS;
  const extra = burst.report.distinct > expected ? ` (${burst.report.distinct - expected} deliveries of other events)` : '';
  console.log(`burst: ${burst.report.deliveries - burst.report.distinct} duplicates, ${Math.max(0, expected - burst.report.distinct)} lost${extra}; database wait events sampled every 100 ms: ${[...burst.waits].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  console.log(`burst stages, from the database (p50 / p99 / max): ${burst.stages}`);
  console.log('steady runs (rate relative to the bare loop; event→delivered at the sink; target at 0.4×: p50 < 100 ms, p99 < 500 ms):');
  for (const run of steady) {
    const sorted = [...run.report.latencies].sort((a, b) => a - b);
    console.log(
      `  ${run.ratio.toFixed(2)}× (${run.eventsPerSecond.toFixed(0)} events/s, ${run.report.deliveries} deliveries): p50 ${pct(sorted, 0.5)} ms, p99 ${pct(sorted, 0.99)} ms, max ${sorted[sorted.length - 1] ?? 0} ms`,
    );
  }
  if (PROF_DIR) console.log(`CPU profile of the Switchboard process: ${PROF_DIR}`);
}

/**
 * Where a burst event's time went, from the rows' own timestamps (each is its transaction's start):
 * accepted → planned (the outbox row's created_at → its record's created_at, the relay's queue) and
 * planned → sent (the dispatcher's queue and the send).
 */
async function stageTimes(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ stage: string; p50: number; p99: number; max: number }>(
      `WITH t AS (
         SELECT extract(epoch FROM r.created_at - o.created_at) * 1000 AS planned, extract(epoch FROM r.sent_at - r.created_at) * 1000 AS sent
           FROM notification_records r JOIN outbox_events o ON o.event_id = r.event_id
          WHERE o.event_id LIKE 'burst-%' AND r.sent_at IS NOT NULL
       )
       SELECT 'accepted → planned' AS stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY planned) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY planned) AS p99, max(planned) AS max FROM t
       UNION ALL
       SELECT 'planned → sent', percentile_cont(0.5) WITHIN GROUP (ORDER BY sent), percentile_cont(0.99) WITHIN GROUP (ORDER BY sent), max(sent) FROM t`,
    );
    return rows.map((r) => `${r.stage} ${Math.round(r.p50)} / ${Math.round(r.p99)} / ${Math.round(r.max)} ms`).join('; ');
  } finally {
    await client.end();
  }
}

/** Counts the wait events of the database's active sessions, sampled every 100 ms until stopped. */
function sampleWaits(url: string): { stop(): Promise<Map<string, number>> } {
  const client = new pg.Client({ connectionString: url });
  const counts = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ wait: string; n: number }>(
        `SELECT wait_event_type || ':' || wait_event AS wait, count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'active' AND wait_event IS NOT NULL AND pid <> pg_backend_pid() GROUP BY 1`,
      );
      for (const r of rows) counts.set(r.wait, (counts.get(r.wait) ?? 0) + r.n);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop.catch(() => undefined);
      await client.end().catch(() => undefined);
      return new Map([...counts].sort((a, b) => b[1] - a[1]));
    },
  };
}

function line(label: string, deliveries: number, seconds: number, report: SinkReport, cpuMs: number): void {
  const sorted = [...report.latencies].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(12)} ${(deliveries / seconds).toFixed(0).padStart(6)} deliveries/s  (${deliveries} in ${seconds.toFixed(2)} s, ${report.distinct} distinct ids, ${report.badSignatures} bad signatures)  ` +
      `event→delivered p50 ${pct(sorted, 0.5)} ms  p99 ${pct(sorted, 0.99)} ms  CPU ${(cpuMs / deliveries).toFixed(2)} ms/delivery`,
  );
}

if (process.argv.includes('--embedded')) await embeddedComparison(SERVER);
else await main();
