import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { TokenService } from '../src/common/auth/token.service.js';
import { HttpTarget } from './support/fake-servers/http-target.js';
import { GrpcTestClient } from './support/grpc-client.js';
import { spawnApp, waitForReadyLine, type SpawnedApp } from './support/spawn-app.js';
import { waitFor } from './support/wait-for.js';

/**
 * The default of `npm start`: no DATABASE_URL, so the process runs its own PostgreSQL server on
 * DATA_DIR/postgres (src/common/database/embedded/postgres-server.ts), or PGlite where that cannot
 * run. Every app here is the real entry point in its own process, as an operator starts it.
 */
const SECRET = 'embedded-default-secret-that-is-long-enough-0123';
const IS_ROOT = process.getuid?.() === 0;

function env(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DATA_DIR: dataDir, HTTP_PORT: '0', GRPC_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', JWT_SECRET: SECRET, SHUTDOWN_TIMEOUT_MS: '3000', ...extra };
}

async function stop(app: SpawnedApp): Promise<void> {
  if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGTERM');
  await app.exited;
}

function logLines(app: SpawnedApp): { level: string; msg: string; [k: string]: unknown }[] {
  return app
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: string; msg: string });
}

/** pids of PostgreSQL servers (postmasters) running on the cluster directory. */
function serversOn(pgdata: string): number[] {
  return pgrep('-f', `^\\S*/bin/postgres -D ${pgdata} `);
}

function pgrep(...args: string[]): number[] {
  try {
    return execFileSync('pgrep', args, { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function queryCluster<T>(dataDir: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ host: join(dataDir, 'postgres'), user: 'postgres', database: 'switchboard' });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

interface Harness {
  grpc: GrpcTestClient;
  token: string;
  close(): void;
}

async function connect(grpcPort: number): Promise<Harness> {
  const grpc = new GrpcTestClient(`127.0.0.1:${grpcPort}`);
  const token = await new TokenService(SECRET).sign({ sub: 'embedded-test', role: 'admin' });
  return { grpc, token, close: () => grpc.close() };
}

async function createWebhooks(h: Harness, sink: HttpTarget, round: number, count: number): Promise<string[]> {
  const plugins = await h.grpc.call<{ plugins: { id: string; plugin_id: string }[] }>('IntegrationService', 'ListPlugins', {}, h.token);
  const webhook = plugins.response!.plugins.find((p) => p.plugin_id === 'webhook')!;
  const ids: string[] = [];
  for (let i = 1; i <= count; i++) {
    const created = await h.grpc.call<{ interface: { id: string } }>(
      'IntegrationService',
      'CreatePluginInterface',
      { plugin_def_id: webhook.id, display_name: `round ${round} hook ${i}`, config_json: JSON.stringify({ url: sink.url(`/r${round}/h${i}`), secret: `whsec_${Buffer.alloc(24, i).toString('base64')}` }) },
      h.token,
    );
    expect(created.error).toBeUndefined();
    ids.push(created.response!.interface.id);
  }
  return ids;
}

async function publish(h: Harness, prefix: string, count: number): Promise<void> {
  const batches: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 100) {
    const events = Array.from({ length: Math.min(100, count - i) }, (_, j) => ({
      event_id: `${prefix}-${i + j}`,
      event_type: 'order_paid',
      source: 'embedded-test',
      data_json: JSON.stringify({ order_id: `${prefix}-${i + j}`, customer_email: 'buyer@example.test', amount: '10.00', currency: 'USD' }),
    }));
    batches.push(h.grpc.call('EventService', 'PublishEvents', { events }, h.token).then((r) => expect(r.error).toBeUndefined()));
  }
  await Promise.all(batches);
}

/**
 * Rounds of: enable `notifiers` webhook notifiers, publish `events` order_paid events at once.
 * Every event reaches every notifier of its round exactly once (distinct order ids per path, and
 * no request twice), round after round.
 */
async function burstRounds(grpcPort: number, rounds: number, events: number, notifiers: number): Promise<void> {
  const sink = await HttpTarget.start();
  const h = await connect(grpcPort);
  try {
    for (let round = 1; round <= rounds; round++) {
      sink.reset();
      sink.on('*', '*', { status: 200 });
      const ids = await createWebhooks(h, sink, round, notifiers);
      await publish(h, `round${round}`, events);
      // (A new webhook notifier's health check GETs its URL: only POSTs are deliveries.)
      const deliveries = () => sink.requests.filter((r) => r.method === 'POST');
      await waitFor(async () => deliveries().length >= events * notifiers, 180_000);
      await new Promise((r) => setTimeout(r, 500)); // anything extra (a duplicate) would arrive now
      const byPath = new Map<string, Set<string>>();
      for (const request of deliveries()) {
        const orderId = (request.json as { data: { event: { order_id: string } } }).data.event.order_id;
        if (!byPath.has(request.path)) byPath.set(request.path, new Set());
        byPath.get(request.path)!.add(orderId);
      }
      expect(deliveries()).toHaveLength(events * notifiers);
      expect([...byPath.keys()].sort()).toEqual(Array.from({ length: notifiers }, (_, i) => `/r${round}/h${i + 1}`).sort());
      for (const orders of byPath.values()) expect(orders.size).toBe(events);
      for (const id of ids) expect((await h.grpc.call('IntegrationService', 'DeletePluginInterface', { interface_id: id }, h.token)).error).toBeUndefined();
    }
  } finally {
    h.close();
    await sink.close();
  }
}

describe('the embedded default (no DATABASE_URL)', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'embedded-default-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is a real PostgreSQL server in DATA_DIR/postgres, said at start (and, as root, which user runs it); no TCP port; an abandoned first start is cleaned up', async () => {
    mkdirSync(join(dataDir, 'postgres.init-4242'));
    writeFileSync(join(dataDir, 'postgres.init-4242', 'half-written'), '');
    const app = spawnApp(env(dataDir));
    try {
      await waitForReadyLine(app, 60_000);
      const lines = logLines(app);
      expect(lines.find((l) => l.msg.startsWith('using the embedded PostgreSQL server'))).toMatchObject({ engine: 'postgres' });
      const rootLine = lines.find((l) => l.msg.startsWith('running as root, which PostgreSQL refuses'));
      if (IS_ROOT) {
        expect(rootLine?.msg).toContain('runs as system user nobody');
        expect(rootLine?.msg).toContain('no user was created');
        expect(statSync(join(dataDir, 'postgres')).uid).toBe(Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })));
      } else {
        expect(rootLine).toBeUndefined();
      }
      expect(existsSync(join(dataDir, 'postgres.init-4242'))).toBe(false);
      const [{ version, listen }] = await queryCluster<{ version: string; listen: string }>(dataDir, `SELECT current_setting('server_version') AS version, current_setting('listen_addresses') AS listen`);
      expect(version).toMatch(/^18\./);
      expect(listen).toBe('');
    } finally {
      await stop(app);
    }
    expect(await app.exited).toBe(0);
    expect(serversOn(join(dataDir, 'postgres'))).toEqual([]); // stopped with the process
  }, 120_000);

  it.each([
    ['300 events to 3 notifiers enabled just before them: all 900 delivered, once each, round after round', {}, 3, 300],
    ['on PGlite too (EMBEDDED_DATABASE=pglite, one connection): notifiers enabled just before the events all get them', { EMBEDDED_DATABASE: 'pglite' }, 2, 100],
  ])('%s', async (_name, engine: Record<string, string>, rounds: number, events: number) => {
    const app = spawnApp(env(dataDir, { ...engine, PLUGIN_HTTP_ALLOW: '127.0.0.1', HEALTH_CHECK_CRON: '0 0 1 1 *' }));
    try {
      const { grpcPort } = await waitForReadyLine(app, 90_000);
      await burstRounds(grpcPort!, rounds, events, 3);
    } finally {
      await stop(app);
    }
  }, 300_000);

  it('kill -9 of the process and of its server loses nothing committed: the server goes, recovers at the next start, and serves the same data', async () => {
    const sink = await HttpTarget.start();
    sink.on('*', '*', { status: 200 });
    const first = spawnApp(env(dataDir, { PLUGIN_HTTP_ALLOW: '127.0.0.1' }));
    const pgdata = join(dataDir, 'postgres');
    try {
      const { grpcPort } = await waitForReadyLine(first, 60_000);
      const h = await connect(grpcPort!);
      await createWebhooks(h, sink, 1, 1);
      await publish(h, 'before-kill', 50);
      await waitFor(async () => sink.requests.filter((r) => r.method === 'POST').length >= 50, 60_000);
      // Committed as sent (a POST the sink has seen may not be recorded yet: that one would be sent again).
      await waitFor(async () => Number((await queryCluster<{ sent: string }>(dataDir, `SELECT count(*) AS sent FROM notification_records WHERE status = 'sent'`))[0].sent) === 50, 30_000);
      h.close();
      // Power-cut style: the server gets no shutdown either.
      const postmaster = Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]);
      first.child.kill('SIGKILL');
      process.kill(postmaster, 'SIGKILL');
      await first.exited;
      await waitFor(async () => serversOn(pgdata).length === 0, 10_000);
    } finally {
      first.child.kill('SIGKILL');
    }
    const second = spawnApp(env(dataDir, { PLUGIN_HTTP_ALLOW: '127.0.0.1' }));
    try {
      const { grpcPort } = await waitForReadyLine(second, 60_000);
      expect(logLines(second).some((l) => l.msg === 'embedded PostgreSQL' && /not properly shut down|interrupted|automatic recovery/.test(String(l.line)))).toBe(true);
      const [{ sent }] = await queryCluster<{ sent: string }>(dataDir, `SELECT count(*) AS sent FROM notification_records WHERE status = 'sent'`);
      expect(Number(sent)).toBe(50);
      const h = await connect(grpcPort!);
      await publish(h, 'after-restart', 1);
      await waitFor(async () => sink.requests.filter((r) => r.method === 'POST').length >= 51, 30_000);
      h.close();
    } finally {
      await stop(second);
      await sink.close();
    }
  }, 180_000);

  it('when only the process is killed, its server goes with it; a server still running from a dead process is stopped at the next start, saying so', async () => {
    const first = spawnApp(env(dataDir));
    const pgdata = join(dataDir, 'postgres');
    await waitForReadyLine(first, 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    await waitFor(async () => serversOn(pgdata).length === 0, 10_000);

    // Now a server whose watchdog died too: kill -9 of the whole tree but the server itself.
    const second = spawnApp(env(dataDir));
    await waitForReadyLine(second, 60_000);
    const [orphan] = serversOn(pgdata);
    const watchdog = pgrep('-P', String(second.child.pid));
    const watchdogChildren = watchdog.flatMap((pid) => pgrep('-P', String(pid))).filter((pid) => pid !== orphan);
    for (const pid of [...watchdogChildren, ...watchdog]) process.kill(pid, 'SIGKILL');
    second.child.kill('SIGKILL');
    await second.exited;
    await new Promise((r) => setTimeout(r, 500));
    expect(serversOn(pgdata)).toEqual([orphan]);

    const third = spawnApp(env(dataDir));
    try {
      await waitForReadyLine(third, 60_000);
      expect(logLines(third).find((l) => l.msg === 'stopping an embedded PostgreSQL left running by a previous process')).toMatchObject({ level: 'warn', pid: orphan });
      expect(serversOn(pgdata)).not.toContain(orphan);
    } finally {
      await stop(third);
    }
  }, 180_000);

  it('refuses, in one line and touching nothing, a cluster of another PostgreSQL version and a directory that is not a cluster', async () => {
    mkdirSync(join(dataDir, 'postgres'));
    writeFileSync(join(dataDir, 'postgres', 'PG_VERSION'), '17\n');
    const older = spawnApp(env(dataDir));
    expect(await older.exited).toBe(1);
    expect(older.stderr()).toMatch(/^switchboard: .*postgres was created by PostgreSQL 17, this build runs PostgreSQL 18: upgrade it with pg_upgrade .* it is left untouched\n$/);
    expect(readFileSync(join(dataDir, 'postgres', 'PG_VERSION'), 'utf8')).toBe('17\n');

    rmSync(join(dataDir, 'postgres', 'PG_VERSION'));
    writeFileSync(join(dataDir, 'postgres', 'notes.txt'), 'mine');
    const foreign = spawnApp(env(dataDir));
    expect(await foreign.exited).toBe(1);
    expect(foreign.stderr()).toMatch(/^switchboard: .*postgres is not empty but holds no PostgreSQL cluster \(no PG_VERSION\): not creating one over it/);
    expect(readFileSync(join(dataDir, 'postgres', 'notes.txt'), 'utf8')).toBe('mine');
  }, 60_000);

  it('serves the PGlite data of an earlier version with PGlite, saying how to move, and keeps it', async () => {
    const earlier = spawnApp(env(dataDir, { EMBEDDED_DATABASE: 'pglite' }));
    try {
      const { grpcPort } = await waitForReadyLine(earlier, 90_000);
      const h = await connect(grpcPort!);
      const sink = await HttpTarget.start();
      await createWebhooks(h, sink, 1, 1);
      h.close();
      await sink.close();
    } finally {
      await stop(earlier);
    }
    const now = spawnApp(env(dataDir));
    try {
      const { grpcPort } = await waitForReadyLine(now, 90_000);
      const lines = logLines(now);
      expect(lines.find((l) => l.msg.includes('holds the data of an earlier Switchboard'))).toMatchObject({ level: 'warn' });
      expect(lines.find((l) => l.msg.startsWith('using PGlite'))).toMatchObject({ engine: 'pglite' });
      expect(existsSync(join(dataDir, 'postgres'))).toBe(false);
      const h = await connect(grpcPort!);
      const list = await h.grpc.call<{ interfaces: { display_name: string }[] }>('IntegrationService', 'ListPluginInterfaces', {}, h.token);
      expect(list.response!.interfaces.map((i) => i.display_name)).toContain('round 1 hook 1');
      h.close();
    } finally {
      await stop(now);
    }
  }, 180_000);

  (IS_ROOT ? it : it.skip)('as root, with EMBEDDED_POSTGRES_USER naming no user: PGlite stands in, saying why; EMBEDDED_DATABASE=postgres refuses instead (skipped unless the tests run as root)', async () => {
    const fallback = spawnApp(env(dataDir, { EMBEDDED_POSTGRES_USER: 'no-such-user-here' }));
    try {
      await waitForReadyLine(fallback, 90_000);
      const line = logLines(fallback).find((l) => l.msg.startsWith('the embedded PostgreSQL server cannot run here'));
      expect(line?.level).toBe('warn');
      expect(line?.msg).toContain('(no-such-user-here, EMBEDDED_POSTGRES_USER) does not exist');
      expect(line?.msg).toContain('falling back to PGlite');
    } finally {
      await stop(fallback);
    }
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir);
    const strict = spawnApp(env(dataDir, { EMBEDDED_POSTGRES_USER: 'no-such-user-here', EMBEDDED_DATABASE: 'postgres' }));
    expect(await strict.exited).toBe(1);
    expect(strict.stderr()).toMatch(/^switchboard: the embedded PostgreSQL server cannot run: .*no-such-user-here.*; or set DATABASE_URL\n$/);
  }, 120_000);
});
