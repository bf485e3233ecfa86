import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import pg from 'pg';
import { TokenService } from '../../src/common/auth/token.service.js';
import { EmbeddedServerUnavailable, startEmbeddedServer, type EmbeddedServer } from '../../src/common/database/embedded/postgres-server.js';
import { HttpTarget, type RecordedRequest } from '../support/fake-servers/http-target.js';
import { errorCodeOf, GrpcTestClient } from '../support/grpc-client.js';
import { http } from '../support/http-client.js';
import { spawnApp, waitForReadyLine, type SpawnedApp } from '../support/spawn-app.js';
import { waitFor } from '../support/wait-for.js';
import { signedWith } from '../support/webhook-signature.js';

/**
 * PostgreSQL itself restarting under a running app: a crash (immediate shutdown, so the next
 * start replays the write-ahead log) in the middle of a burst, then the same server back on the
 * same socket a few seconds later. While it is down, publishes are refused as retryable (REST 503
 * `common.unavailable` with Retry-After, gRPC UNAVAILABLE), each logged as one warning without a
 * stack. The app is the real entry point in its own process, on a PostgreSQL cluster this test
 * owns (the embedded server's binaries, in a temporary directory), not on the run's test database
 * server, which other tests share and which must not go down.
 */
const SECRET = 'postgres-restart-secret-that-is-long-enough-0123';
const HOOK_SECRET = `whsec_${Buffer.alloc(24, 9).toString('base64')}`;
const BURST = 600;
/** Sends in flight at once: the most records a crash can leave claimed, so the bound on duplicates. */
const CONCURRENCY = 8;
/** How long the server stays down. */
const DOWN_MS = 3_000;
/** In the app's DATABASE_URL (the cluster trusts local connections, so it is never asked for): it must show nowhere. */
const DATABASE_PASSWORD = 'pg-restart-password-never-shown-81f3';
/** gRPC publishes sent while the server is down. */
const GRPC_DURING_OUTAGE = 3;

interface Cluster {
  dataDir: string;
  server: EmbeddedServer;
  /** The server's notable log lines (crash recovery among them), across its starts. */
  log: string[];
}

async function startCluster(dataDir: string, log: string[]): Promise<EmbeddedServer> {
  return startEmbeddedServer({
    dataDir,
    rootRunsAs: process.env.EMBEDDED_POSTGRES_USER ?? 'nobody',
    log: (_level, message, fields) => log.push(`${message} ${JSON.stringify(fields ?? {})}`),
  });
}

/** The cluster, or why the binaries cannot run here (then the suite is skipped, saying so). */
async function openCluster(): Promise<Cluster | string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-pg-restart-'));
  const log: string[] = [];
  try {
    return { dataDir, server: await startCluster(dataDir, log), log };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    if (err instanceof EmbeddedServerUnavailable) return err.message;
    throw err;
  }
}

/** One short-lived connection per query: the test's own connections die with the server too. */
async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function logLines(app: SpawnedApp): { level: number | string; msg: string; [k: string]: unknown }[] {
  return app
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number | string; msg: string });
}

const deliveries = (sink: HttpTarget): RecordedRequest[] => sink.requests.filter((r) => r.method === 'POST' && r.path === '/hook');

const orderPaid = (id: string) => ({ order_id: id, customer_email: 'buyer@example.test', amount: '10.00', currency: 'USD' });

const opened = await openCluster();
const SUITE = 'PostgreSQL restarted mid-burst';

(typeof opened === 'string' ? describe.skip : describe)(
  typeof opened === 'string' ? `${SUITE} (skipped: the embedded PostgreSQL server cannot run here: ${opened})` : SUITE,
  () => {
    const cluster = opened as Cluster;
    let appDataDir: string;
    let sink: HttpTarget;
    let app: SpawnedApp | undefined;
    let grpc: GrpcTestClient | undefined;
    /** The REST publisher beside the burst runs while this holds. */
    let trickling = false;

    beforeAll(async () => {
      appDataDir = mkdtempSync(join(tmpdir(), 'switchboard-pg-restart-app-'));
      sink = await HttpTarget.start();
      // Slow enough (CONCURRENCY sends of 25 ms each at a time) that the burst is still going when the server goes.
      sink.on('POST', '/hook', { status: 200, delayMs: 25 });
      sink.on('GET', '/hook', { status: 200 });
    });

    afterAll(async () => {
      trickling = false;
      grpc?.close();
      if (app && app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGTERM');
      await app?.exited;
      await sink?.close();
      await cluster.server.stop();
      rmSync(cluster.dataDir, { recursive: true, force: true });
      rmSync(appDataDir, { recursive: true, force: true });
    });

    it('the worker reconnects by itself and loses nothing accepted: every record sent, duplicates only for sends in flight', async () => {
      const url = cluster.server.url;
      const appUrl = url.replace('postgres://postgres@', `postgres://postgres:${DATABASE_PASSWORD}@`);
      expect(appUrl).toContain(DATABASE_PASSWORD);
      app = spawnApp({
        NODE_ENV: 'test',
        SWITCHBOARD_ROLE: 'all',
        HOST: '127.0.0.1',
        HTTP_PORT: '0',
        GRPC_PORT: '0',
        DATABASE_URL: appUrl,
        DATA_DIR: appDataDir,
        JWT_SECRET: SECRET,
        LOG_LEVEL: 'info',
        SHUTDOWN_TIMEOUT_MS: '3000',
        PLUGIN_HTTP_ALLOW: sink.hostPort,
        PLUGIN_TIMEOUT_MS: '2000',
        // A send whose outcome could not be stored (the server was gone) is sent again once its lease expires.
        DELIVERY_LEASE_MS: '4000',
        DELIVERY_POLL_MS: '200',
        OUTBOX_POLL_MS: '200',
        DELIVERY_CONCURRENCY: String(CONCURRENCY),
        DELIVERY_CHANNEL_CONCURRENCY: String(CONCURRENCY),
        DELIVERY_RETRY_SCHEDULE: '200ms,200ms,200ms',
        DELIVERY_MIN_RETRY_MS: '100',
        HEALTH_CHECK_CRON: '0 0 1 1 *',
      });
      const { httpPort, grpcPort } = await waitForReadyLine(app, 60_000);
      const base = `http://127.0.0.1:${httpPort}`;
      const token = await new TokenService(SECRET).sign({ sub: 'pg-restart-test', role: 'admin' });
      grpc = new GrpcTestClient(`127.0.0.1:${grpcPort}`);

      const plugins = await grpc.call<{ plugins: { id: string; plugin_id: string }[] }>('IntegrationService', 'ListPlugins', {}, token);
      const webhook = plugins.response!.plugins.find((p) => p.plugin_id === 'webhook')!;
      const created = await grpc.call('IntegrationService', 'CreatePluginInterface', { plugin_def_id: webhook.id, display_name: 'Orders', config_json: JSON.stringify({ url: sink.url('/hook'), secret: HOOK_SECRET }) }, token);
      expect(created.error).toBeUndefined();

      // The burst: accepted whole while the server is up.
      const accepted: string[] = [];
      for (let i = 0; i < BURST; i += 100) {
        const events = Array.from({ length: 100 }, (_, j) => ({ event_id: `burst-${i + j}`, event_type: 'order_paid', source: 'pg-restart-test', data_json: JSON.stringify(orderPaid(`burst-${i + j}`)) }));
        const published = await grpc.call('EventService', 'PublishEvents', { events }, token);
        expect(published.error).toBeUndefined();
        accepted.push(...events.map((e) => e.event_id));
      }

      // Beside it, one event at a time over REST, before, during and after the outage: while the server is
      // away, the API refuses them (503 common.unavailable with Retry-After, as the document says); every
      // one it accepted must arrive.
      const state = { phase: 'up' as 'up' | 'down' | 'back' };
      const refusals: { phase: string; status: number; code: unknown; retryAfter: string | null; traceId: string | null; body: string }[] = [];
      const acceptedBack: string[] = [];
      trickling = true;
      const trickle = (async () => {
        for (let n = 0; trickling; n++) {
          const id = `trickle-${n}`;
          const sentIn = state.phase;
          const res = await http(base, 'POST', '/events', {
            token,
            body: { event_type: 'order_paid', data: orderPaid(id), metadata: { event_id: id, source_service: 'pg-restart-test' } },
          });
          if (res.status === 202) {
            accepted.push(id);
            if (sentIn === 'back') acceptedBack.push(id);
          } else {
            refusals.push({
              phase: sentIn,
              status: res.status,
              code: res.body?.error?.code,
              retryAfter: res.headers.get('retry-after'),
              traceId: res.headers.get('x-trace-id'),
              body: JSON.stringify(res.body),
            });
          }
          await new Promise((r) => setTimeout(r, 40));
        }
      })();
      // Awaited below, where a failure surfaces (an answer the document does not describe throws in http()).
      let trickleFailed = false;
      trickle.catch(() => {
        trickleFailed = true;
      });

      // Mid-burst: some delivered (and stored as sent), most still to go, and the REST publisher under way.
      await waitFor(async () => deliveries(sink).length >= 100 && accepted.length > BURST, 30_000);
      const crashedPid = postmasterPid(cluster.dataDir);
      // SIGQUIT to the postmaster is `pg_ctl stop -m immediate`: every backend quits at once, no checkpoint;
      // the next start is crash recovery from the write-ahead log.
      process.kill(crashedPid, 'SIGQUIT');
      state.phase = 'down';
      await waitFor(async () => !alive(crashedPid), 10_000);
      await cluster.server.stop(); // the watchdog that ran it has exited with it
      const downSince = Date.now();
      const atStop = deliveries(sink).length;
      const acceptedAtStop = accepted.length;
      // A few publishes over gRPC while it is down: refused UNAVAILABLE, with the error-code trailer (so
      // the app answered them, not the client giving up on it).
      const grpcRefusals: { code: number; errorCode: string | undefined; details: string }[] = [];
      for (let n = 0; n < GRPC_DURING_OUTAGE; n++) {
        const event = { event_id: `outage-grpc-${n}`, event_type: 'order_paid', source: 'pg-restart-test', data_json: JSON.stringify(orderPaid(`outage-grpc-${n}`)) };
        const published = await grpc.call('EventService', 'PublishEvents', { events: [event] }, token);
        grpcRefusals.push({ code: published.error?.code ?? status.OK, errorCode: errorCodeOf(published.error), details: published.error?.details ?? '' });
      }
      await new Promise((r) => setTimeout(r, Math.max(0, DOWN_MS - (Date.now() - downSince))));

      cluster.server = await startCluster(cluster.dataDir, cluster.log);
      expect(cluster.server.url).toBe(url);
      const atRestart = deliveries(sink).length;
      state.phase = 'back';
      expect(cluster.log.some((line) => /not properly shut down|automatic recovery|redo starts/.test(line))).toBe(true);

      await waitFor(async () => trickleFailed || acceptedBack.length >= 10, 30_000);
      trickling = false;
      await trickle;

      // Everything accepted is planned and sent; nothing is left queued, sending or failed.
      const sentOfAccepted = async () =>
        (await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM notification_records WHERE event_id = ANY($1) AND status = 'sent'`, [accepted]))[0].n;
      await waitFor(async () => (await sentOfAccepted()) === accepted.length, 40_000).catch(() => undefined);
      expect(await sentOfAccepted()).toBe(accepted.length);
      const statuses = await query<{ status: string; n: number }>(url, `SELECT status, count(*)::int AS n FROM notification_records GROUP BY status`);
      // (An event whose publish was refused may still have been written, if the server went between its commit and the answer.)
      expect(statuses.filter((s) => s.status !== 'sent')).toEqual([]);
      const outbox = await query<{ status: string; n: number }>(url, `SELECT status, count(*)::int AS n FROM outbox_events GROUP BY status`);
      expect(outbox.filter((s) => s.status !== 'processed')).toEqual([]);

      // Every record reached the sink, signed, under its own id.
      const records = await query<{ id: string; event_id: string; attempt_count: number }>(url, `SELECT id, event_id, attempt_count FROM notification_records`);
      const seen = deliveries(sink);
      for (const request of seen) expect(signedWith(request, HOOK_SECRET)).toBe(true);
      const ids = seen.map((r) => String(r.headers['webhook-id']));
      const counts = new Map<string, number>();
      for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
      expect(new Set(ids)).toEqual(new Set(records.map((r) => r.id)));
      const planned = new Set(records.map((r) => r.event_id));
      expect(accepted.filter((id) => !planned.has(id))).toEqual([]);

      // A record seen twice was in flight when the server went: its outcome was never stored, its lease
      // expired, and the second attempt carried the same webhook-id. No more than the sends in flight.
      const duplicates = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
      expect(duplicates.length).toBeLessThanOrEqual(CONCURRENCY);
      expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
      const attempts = new Map(records.map((r) => [r.id, r.attempt_count]));
      for (const id of duplicates) {
        expect(attempts.get(id)).toBe(2);
        // Its first copy left before the server was back (PLUGIN_TIMEOUT_MS ends any send well inside DOWN_MS).
        expect(ids.indexOf(id)).toBeLessThan(atRestart);
      }

      // The test spans the restart: deliveries before the stop and after the start, events accepted on both sides.
      expect(atStop).toBeGreaterThanOrEqual(100);
      expect(atStop).toBeLessThan(BURST);
      expect(seen.length - atRestart).toBeGreaterThanOrEqual(BURST - atStop);
      expect(acceptedAtStop).toBeGreaterThan(BURST);
      expect(acceptedBack.length).toBeGreaterThanOrEqual(10);
      // While the server was away the API refused events: REST 503 common.unavailable with Retry-After, gRPC
      // UNAVAILABLE; never the password of the database's URL.
      expect(refusals.filter((r) => r.phase === 'down').length).toBeGreaterThan(0);
      for (const refusal of refusals) {
        expect([refusal.status, refusal.code, refusal.retryAfter]).toEqual([503, 'common.unavailable', '2']);
        expect(refusal.body).not.toContain(DATABASE_PASSWORD);
      }
      expect(grpcRefusals.map((r) => [r.code, r.errorCode])).toEqual(Array.from({ length: GRPC_DURING_OUTAGE }, () => [status.UNAVAILABLE, 'common.unavailable']));
      for (const refusal of grpcRefusals) expect(refusal.details).not.toContain(DATABASE_PASSWORD);

      // The process lived through it, said it lost the database and came back, and is ready.
      expect(app.child.exitCode).toBeNull();
      expect(app.child.signalCode).toBeNull();
      const lines = logLines(app);
      // Each refused call is one warning with its code and trace id, without a stack; none is an unexpected error.
      const warned = lines.filter((l) => l.msg === 'call refused: the database is unavailable');
      expect(warned.length).toBeGreaterThanOrEqual(refusals.length + GRPC_DURING_OUTAGE);
      for (const line of warned) {
        expect(line).toMatchObject({ level: 'warn', code: 'common.unavailable', trace_id: expect.any(String), reason: expect.any(String) });
        expect(line).not.toHaveProperty('err');
      }
      const warnedTraceIds = new Set(warned.map((l) => l.trace_id));
      for (const refusal of refusals) expect(warnedTraceIds).toContain(refusal.traceId);
      expect(lines.filter((l) => l.msg === 'call failed with an unexpected error')).toEqual([]);
      expect(app.stdout() + app.stderr()).not.toContain(DATABASE_PASSWORD);
      expect(lines.some((l) => l.msg.startsWith('database notifications: connection lost'))).toBe(true);
      // Its LISTEN connection is back on the new server (wake-ups by NOTIFY, not only the poll). It retries
      // with a backoff of up to 5 s, so it may still be on its way once every record is sent; then it says so
      // (a log line reaches stdout within 200 ms).
      const listening = async () =>
        (await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'switchboard-listener' AND query LIKE 'LISTEN %'`))[0].n;
      await waitFor(async () => (await listening()) > 0, 10_000).catch(() => undefined);
      expect(await listening()).toBe(1);
      const listeningAgain = () => logLines(app!).some((l) => l.msg === 'database notifications: listening again');
      await waitFor(async () => listeningAgain(), 2_000).catch(() => undefined);
      expect(listeningAgain()).toBe(true);
      expect((await http(base, 'GET', '/ready')).status).toBe(200);
      const refused = [...new Set(refusals.map((r) => `${r.status} ${String(r.code)}`))].join(', ');
      const reasons = [...new Set(warned.map((l) => String(l.reason)))].join(', ');
      console.log(
        `PostgreSQL restart: ${accepted.length} events accepted (${acceptedBack.length} after the restart), ${refusals.length} refused while it was down (${refused}; ` +
          `${GRPC_DURING_OUTAGE} over gRPC; reasons ${reasons}); ` +
          `${atStop} deliveries before the stop, ${seen.length - atRestart} after the start; ${duplicates.length} duplicates (at most ${CONCURRENCY})`,
      );
    }, 120_000);
  },
);
