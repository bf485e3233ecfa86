import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { startSwitchboard, type RunningSwitchboard } from '../src/bootstrap.js';
import { BENCH_SECRETS_KEY } from './switchboard-process.js';
import { createScratchDatabase, serverAnswers } from '../src/common/database/scratch-database.js';
import { IdGenerator } from '../src/common/id-generator.js';
import { createLogger } from '../src/common/logging/logger.js';
import { loadConfig, type AppConfig } from '../src/config/app-config.js';
import { HealthSweeper, type SweepResult } from '../src/modules/integration/health-sweeper.service.js';
import { PluginInterfaceRepository } from '../src/modules/integration/plugin-interface.repository.js';
import { PluginDefinitionsService } from '../src/modules/plugins/plugin-definitions.service.js';

/**
 * The health cron's sweep ("1,000 interfaces whose targets answer in 50 ms are swept
 * in ≤ 10 s"), measured on the whole app booted in this process (bootstrap.ts, role `all`, a
 * scratch PostgreSQL database, migrations applied, the built-in plugins scanned).
 *
 * BENCH_INTERFACES enabled interfaces of the built-in notifier/webhook plugin (its health_check
 * sends `GET url` through the host HTTP client: address guard, a fresh connection per request)
 * point at a local target, in a worker thread of its own, that answers every request after
 * BENCH_TARGET_MS. HealthSweeper.sweep() is then called directly (the cron would call it on a tick;
 * its schedule here never fires during the run) twice:
 *   - first sweep: every interface is checked for the first time (every state is new, so every
 *     check emits plugin.health_changed), no compiled script is cached;
 *   - second sweep: the steady state of the cron, nothing changed since the last tick.
 * Same-run baseline: the same number of GETs to the same target issued straight from this process
 * with the same bounded concurrency (HEALTH_CHECK_CONCURRENCY) and a fresh connection each, as the
 * host client does, without sandbox, plugin or database; its floor is ceil(N / concurrency) × target
 * latency. Prints figures; asserts nothing; never part of `npm test`.
 *
 *   npm run bench:sweep
 *   BENCH_INTERFACES=1000 BENCH_TARGET_MS=50 HEALTH_CHECK_CONCURRENCY=… PLUGIN_WORKERS=… npm run bench:sweep
 *   BENCH_DATABASE_URL=postgres://… npm run bench:sweep
 *
 * The app's log (info, as in production) goes to a temporary file, removed afterwards.
 */
const COUNT = Number(process.env.BENCH_INTERFACES ?? 1000);
const TARGET_MS = Number(process.env.BENCH_TARGET_MS ?? 50);
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
/** A valid Standard Webhooks secret ("whsec_" + base64 of 24 bytes), a different one per interface as in real life. */
const webhookSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** The target: a worker thread, so its sockets and timers do not share the app's event loop. */
const TARGET_SOURCE = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
let requests = 0;
const server = http.createServer((req, res) => {
  requests++;
  req.resume();
  setTimeout(() => res.end('ok'), workerData.delayMs);
});
server.keepAliveTimeout = 1000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'count') parentPort.postMessage({ requests });
  if (m === 'close') server.close(() => process.exit(0));
});
`;

interface Target {
  port: number;
  requests(): Promise<number>;
  close(): Promise<void>;
}

async function startTarget(): Promise<Target> {
  const worker = new Worker(TARGET_SOURCE, { eval: true, workerData: { delayMs: TARGET_MS } });
  const next = () => new Promise<Record<string, number>>((resolve) => worker.once('message', resolve));
  const { port } = await next();
  return {
    port,
    async requests() {
      const answer = next();
      worker.postMessage('count');
      return (await answer).requests;
    },
    async close() {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('close');
      await exited;
    },
  };
}

interface Timed {
  ms: number;
  /** CPU of the whole process (every thread), and of its main thread alone (null off Linux). */
  cpuMs: number;
  mainCpuMs: number | null;
}

async function timed<T>(run: () => Promise<T>): Promise<Timed & { value: T }> {
  const cpu = process.cpuUsage();
  const main = mainThreadCpuMs();
  const started = performance.now();
  const value = await run();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const mainAfter = mainThreadCpuMs();
  return { value, ms, cpuMs: (used.user + used.system) / 1000, mainCpuMs: main === null || mainAfter === null ? null : mainAfter - main };
}

/** utime + stime of this process's main thread (its tid is the pid), from /proc; 10 ms ticks. */
function mainThreadCpuMs(): number | null {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** COUNT GETs to the target, `concurrency` at a time, each on a fresh connection (as the plugin host does). */
async function baseline(port: number, concurrency: number): Promise<number> {
  let next = 0;
  let failures = 0;
  const get = () =>
    new Promise<void>((resolve) => {
      const request = http.get({ host: '127.0.0.1', port, path: '/hook', agent: false }, (response) => {
        response.resume();
        response.on('end', resolve);
      });
      request.on('error', () => {
        failures++;
        resolve();
      });
    });
  const worker = async () => {
    while (next < COUNT) {
      next++;
      await get();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, COUNT) }, worker));
  return failures;
}

async function createInterfaces(running: RunningSwitchboard, url: string): Promise<void> {
  const definitions = running.app.get(PluginDefinitionsService, { strict: false });
  const interfaces = running.app.get(PluginInterfaceRepository, { strict: false });
  const ids = running.app.get(IdGenerator, { strict: false });
  const webhook = (await definitions.list({ pluginType: 'notifier', usableOnly: true })).find((d) => d.pluginId === 'webhook');
  if (!webhook?.configSchema) throw new Error('the built-in notifier/webhook plugin is not available');
  // Straight into the table (the interface service would also start one background check each).
  for (let i = 0; i < COUNT; i++) {
    await interfaces.insert({
      id: ids.uuid(),
      pluginDefId: webhook.id,
      pluginType: webhook.pluginType,
      pluginId: webhook.pluginId,
      displayName: `bench-webhook-${String(i).padStart(4, '0')}`,
      enabled: true,
      config: { url: `${url}/hook/${i}`, secret: webhookSecret() },
      configSchema: webhook.configSchema,
      pluginVersion: webhook.version,
      hasAdminPage: webhook.hasAdminPage,
    });
  }
}

function line(label: string, t: Timed, checks: number, note = ''): void {
  const rate = checks / (t.ms / 1000);
  console.log(
    `${label.padEnd(34)} ${(t.ms / 1000).toFixed(2).padStart(6)} s   ${rate.toFixed(0).padStart(5)} checks/s   CPU ${(t.cpuMs / 1000).toFixed(2).padStart(5)} s` +
      `${t.mainCpuMs === null ? '' : ` (main thread ${(t.mainCpuMs / 1000).toFixed(2)} s)`}${note}`,
  );
}

async function main(): Promise<void> {
  if (!(await serverAnswers(SERVER))) throw new Error(`no PostgreSQL server at ${SERVER} (set BENCH_DATABASE_URL)`);
  const load = loadavg();
  const target = await startTarget();
  const db = await createScratchDatabase(SERVER, 'switchboard_bench');
  const work = mkdtempSync(join(tmpdir(), 'sb-bench-sweep-'));
  const targetHost = `127.0.0.1:${target.port}`;
  let running: RunningSwitchboard | null = null;
  try {
    const config: AppConfig = loadConfig({
      ...pick(process.env, ['HEALTH_CHECK_CONCURRENCY', 'HEALTH_CHECK_TIMEOUT_MS', 'PLUGIN_WORKERS', 'PLUGIN_TIMEOUT_MS', 'PLUGIN_MEMORY_MB']),
      NODE_ENV: 'production',
      SECRETS_KEY: BENCH_SECRETS_KEY,
      SWITCHBOARD_ROLE: 'all',
      HOST: '127.0.0.1',
      HTTP_PORT: '0',
      GRPC_PORT: '0',
      JWT_SECRET: SECRET,
      DATABASE_URL: db.url,
      DATA_DIR: join(work, 'data'),
      LOG_LEVEL: 'info',
      PLUGIN_HTTP_ALLOW: targetHost,
      // Never fires during the run: the bench calls the sweep itself.
      HEALTH_CHECK_CRON: '0 0 1 1 *',
    });
    const log = pino.destination({ dest: join(work, 'switchboard.log'), sync: false });
    running = await startSwitchboard(config, createLogger(config.logLevel, log));
    await createInterfaces(running, `http://${targetHost}`);
    const sweeper = running.app.get(HealthSweeper, { strict: false });
    const concurrency = config.healthCheck.concurrency;

    const direct = await timed(() => baseline(target.port, concurrency));
    const before = await target.requests();
    const first = await timed(() => sweeper.sweep(new Date(Date.UTC(2000, 0, 1, 0, 0, 0))));
    const afterFirst = await target.requests();
    const second = await timed(() => sweeper.sweep(new Date(Date.UTC(2000, 0, 1, 0, 5, 0))));
    const afterSecond = await target.requests();
    const loadAfter = loadavg();

    const floorMs = Math.ceil(COUNT / concurrency) * TARGET_MS;
    console.log(
      `${COUNT} webhook interfaces, target answers in ${TARGET_MS} ms; HEALTH_CHECK_CONCURRENCY=${concurrency}, PLUGIN_WORKERS=${config.plugins.workers}, ` +
        `${availableParallelism()} cores, load average ${fmtLoad(load)} before, ${fmtLoad(loadAfter)} after`,
    );
    line(`baseline: direct GETs (${concurrency} at a time)`, direct, COUNT, `   floor ${(floorMs / 1000).toFixed(2)} s`);
    line('sweep 1 (first check of each)', first, COUNT, summary(first.value, afterFirst - before));
    line('sweep 2 (steady state)', second, COUNT, summary(second.value, afterSecond - afterFirst));
    console.log(
      `ratio sweep / baseline: first ${(first.ms / direct.ms).toFixed(2)}×, steady ${(second.ms / direct.ms).toFixed(2)}×   (target: ${COUNT === 1000 ? '' : '1,000 in '}≤ 10 s)`,
    );
  } finally {
    await running?.close();
    await db.drop();
    await target.close();
    rmSync(work, { recursive: true, force: true });
  }
}

function summary(result: SweepResult | null, requests: number): string {
  return result === null ? '   (not claimed!)' : `   checked ${result.checked}, unhealthy ${result.unhealthy}, target saw ${requests}`;
}

function fmtLoad(load: number[]): string {
  return load.map((n) => n.toFixed(2)).join(' ');
}

function pick(env: NodeJS.ProcessEnv, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => env[k] !== undefined).map((k) => [k, env[k]!]));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
