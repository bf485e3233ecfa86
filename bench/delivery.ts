import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
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

/**
 * The delivery engine under load: N events × M webhook notifiers, published through
 * EventService/PublishEvents to the real entry point (dist/src/main.js, role all) on a scratch
 * PostgreSQL database, delivered by the built-in webhook plugin to a sink in its own process
 * (bench/delivery-sink.ts) that verifies every Standard Webhooks signature. Then, in the same run,
 * a bare loop doing the same PostgreSQL writes and the same signed HTTP POSTs with no framework,
 * batched as a well-written engine batches them (bench/bare-loop.ts), and the ratios of
 * deliveries/s and of CPU per delivery (the Switchboard process, all threads, against the bare
 * loop's process).
 *
 *   npm run bench:delivery
 *   BENCH_EVENTS=2000 BENCH_NOTIFIERS=2 BENCH_RATE=1000 BENCH_RATE_SECONDS=5 npm run bench:delivery
 *   npm run bench:delivery -- --embedded    the default database against the server (delivery-embedded.ts)
 *
 * Two runs of Switchboard: throughput (all N events at once, deliveries/s until the sink has them
 * all) and latency at a steady rate (BENCH_RATE events/s for BENCH_RATE_SECONDS, event→delivered
 * p50/p99 measured at the sink from the event's occurred_at). Prints figures; asserts nothing;
 * never part of `npm test`.
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000);
const NOTIFIERS = Number(process.env.BENCH_NOTIFIERS ?? 2);
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 5);
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** --cpu-prof: keep a V8 CPU profile of the Switchboard process (directory printed). */
const PROF_DIR = process.argv.includes('--cpu-prof') ? mkdtempSync(join(tmpdir(), 'sb-bench-delivery-prof-')) : null;

async function main(): Promise<void> {
  if (!(await serverAnswers(SERVER))) throw new Error(`no PostgreSQL server at ${SERVER} (set BENCH_DATABASE_URL)`);
  const sink = await startSink();
  const token = await new TokenService(JWT).sign({ sub: 'bench', role: 'admin' });
  const work = mkdtempSync(join(tmpdir(), 'sb-bench-delivery-'));
  let throughput: { deliveries: number; seconds: number; report: SinkReport; cpuMs: number };
  let rate: { events: number; seconds: number; report: SinkReport };
  let bare: BareRun;
  let perRow: BareRun;
  const loadBefore = loadavg();
  try {
    const db = await createScratchDatabase(SERVER, 'switchboard_bench');
    try {
      const app = await startSwitchboard(work, db.url, sink.port, PROF_DIR);
      try {
        const integration = new loaded.rustbill.integration.IntegrationService(app.address, grpc.credentials.createInsecure());
        const events = new loaded.switchboard.events.v1.EventService(app.address, grpc.credentials.createInsecure());
        const metadata = new grpc.Metadata();
        metadata.set('authorization', `Bearer ${token}`);
        await createWebhookNotifiers(integration, metadata, NOTIFIERS, sink.port);
        // Warm-up: sandbox workers, compiled instances, connection pools.
        await publishAll(events, metadata, 100, 'warm');
        await waitForDeliveries(sink, 100 * NOTIFIERS, 60_000);
        await sink.reset();

        const cpu0 = processCpuMs(app.pid);
        const t0 = Date.now();
        await publishAll(events, metadata, EVENTS, 'burst');
        const report = await waitForDeliveries(sink, EVENTS * NOTIFIERS, 300_000);
        throughput = { deliveries: report.deliveries, seconds: (report.lastAt - t0) / 1_000, report, cpuMs: processCpuMs(app.pid) - cpu0 };
        await sink.reset();

        const rateRun = await publishAtRate(events, metadata, RATE, RATE_SECONDS);
        const rateReport = await waitForDeliveries(sink, rateRun.events * NOTIFIERS, 300_000);
        rate = { events: rateRun.events, seconds: rateRun.seconds, report: rateReport };
        await sink.reset();
        integration.close();
        events.close();
      } finally {
        await app.stop();
      }
    } finally {
      await db.drop();
    }

    const bareDb = await createScratchDatabase(SERVER, 'switchboard_bench_bare');
    try {
      bare = await bareLoop(bareDb.url, sink, EVENTS, NOTIFIERS, 'batched');
      perRow = await bareLoop(bareDb.url, sink, EVENTS, NOTIFIERS, 'perRow');
    } finally {
      await bareDb.drop();
    }
  } finally {
    sink.stop();
    rmSync(work, { recursive: true, force: true });
  }

  console.log(`${EVENTS} events × ${NOTIFIERS} webhook notifiers, sink in its own process verifying every signature; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} → ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  line('switchboard', throughput.deliveries, throughput.seconds, throughput.report, throughput.cpuMs);
  line('bare loop', bare.deliveries, bare.seconds, bare.report, bare.cpuMs);
  line('bare per-row', perRow.deliveries, perRow.seconds, perRow.report, perRow.cpuMs);
  const ratio = throughput.deliveries / throughput.seconds / (bare.deliveries / bare.seconds);
  const cpuRatio = throughput.cpuMs / throughput.deliveries / (bare.cpuMs / bare.deliveries);
  console.log(`ratio: switchboard / bare loop = ${ratio.toFixed(2)}× deliveries/s (target ≥ 0.60×); CPU per delivery ${cpuRatio.toFixed(2)}× the bare loop's (target ≤ 2×)`);
  console.log(`(the per-row loop, the baseline of earlier versions of this bench: switchboard / per-row = ${(throughput.deliveries / throughput.seconds / (perRow.deliveries / perRow.seconds)).toFixed(2)}×)`);
  const rateLatencies = [...rate.report.latencies].sort((a, b) => a - b);
  console.log(
    `steady rate: ${(rate.events / rate.seconds).toFixed(0)} events/s for ${rate.seconds.toFixed(1)} s (${rate.report.deliveries} deliveries): ` +
      `event→delivered p50 ${pct(rateLatencies, 0.5)} ms, p99 ${pct(rateLatencies, 0.99)} ms, max ${rateLatencies[rateLatencies.length - 1] ?? 0} ms (target p99 < 500 ms at 1,000 events/s)`,
  );
  if (PROF_DIR) console.log(`CPU profile of the Switchboard process: ${PROF_DIR}`);
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
