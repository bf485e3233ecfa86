import { spawn } from 'node:child_process';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import pg from 'pg';
import { TokenService } from '../src/common/auth/token.service.js';
import { createScratchDatabase, serverAnswers } from '../src/common/database/scratch-database.js';
import { PROTO_FILES, PROTO_LOADER_OPTIONS } from '../src/common/grpc/switchboard-grpc-server.js';
import { DIST_ROOT } from '../src/config/paths.js';
import { startSwitchboardProcess, type SwitchboardProcess } from './switchboard-process.js';

/**
 * ListPluginInterfaces (100 interfaces) under 32 concurrent callers, served by the real entry point
 * (dist/src/main.js) on a scratch PostgreSQL database with auth on (a real admin JWT), and in the
 * same run by a bare @grpc/grpc-js server (same proto, no Nest, no auth, no logging, no database)
 * answering the same response bytes: requests/s, p50, p99 of each, their ratio, and the server CPU
 * per call (the target: Switchboard ≥ 0.7× the bare server's throughput); and the same Switchboard
 * process over gRPC-Web (HTTP/1.1 keep-alive, target: ≥ 0.7× native gRPC).
 *
 *   npm run bench:grpc                       # both servers, figures only
 *   npm run bench:grpc -- --cpu-prof         # also writes Switchboard's V8 CPU profile (path printed)
 *   BENCH_SECONDS=8 BENCH_CALLERS=32 BENCH_INTERFACES=100 BENCH_DATABASE_URL=postgres://… npm run bench:grpc
 *
 * Setup goes through the real API: ListPlugins finds the built-in notifier/webhook definition and
 * CreatePluginInterface creates BENCH_INTERFACES interfaces of it, each with a valid config and a
 * signing secret (so every row is masked on the way out). The bench waits until each one's
 * background health check has been recorded (they fail at once: the endpoint is a loopback address
 * the plugin HTTP guard refuses), then captures Switchboard's answer once. The bare server
 * (bench/grpc-bare-server.ts) sends exactly those bytes on every call, without encoding; the run
 * checks that both servers' last answers are byte-identical to the capture. The health cron is set
 * to a yearly schedule so no sweep rewrites the rows mid-run.
 *
 * Each server runs in its own process and the callers in this one, so both servers are measured the
 * same way; the callers skip decoding the answer (they count its bytes) to leave the CPU to the
 * server. Both servers are up together and measured in BENCH_ROUNDS alternating windows (A B, B A,
 * A B), so load from other work on a shared machine falls on both alike. Besides req/s and
 * latencies it prints CPU per call of the server, of Switchboard's PostgreSQL backends and of the
 * callers (all on the same cores). Prints figures; asserts nothing; never part of `npm test`.
 *
 * What the profile showed and what was cut (docs/performance.md): at the start Switchboard served
 * this call at ~0.1× the bare server, ~7 ms of server CPU per call, almost all of it per-row work
 * (jsonb parsed by pg and stringified again, secrets masked, TypeORM hydration, protobuf encoding of
 * 150 KB, and the garbage of all that). Now a call costs one primary-key lookup of the table
 * version; an unchanged listing is served with its masked rows, messages and encoded bytes kept
 * (exactly invalidated by a trigger-maintained counter, so another replica's or any SQL client's
 * write shows on the next call); stdout is written in batches; undecodable requests are refused by
 * a guard; and gRPC's access line comes from grpc-js instead of a Nest interceptor.
 */
const RPC = {
  service: 'rustbill.integration.IntegrationService',
  method: 'ListPluginInterfaces',
  request: {},
  /** The caller's role; ListPluginInterfaces is admin-only. */
  role: 'admin' as const,
};
const INTERFACES = Number(process.env.BENCH_INTERFACES ?? 100);

const CALLERS = Number(process.env.BENCH_CALLERS ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = 1.5;
/** Warm-up of the later windows: the server is warm, the new channel only has to connect and fill. */
const REWARM_SECONDS = 0.5;
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const CPU_PROF = process.argv.includes('--cpu-prof');
/** Where --cpu-prof writes Switchboard's profile; kept after the run. */
const PROF_DIR = CPU_PROF ? mkdtempSync(join(tmpdir(), 'sb-bench-grpc-prof-')) : null;

/** One measured window of one server. */
interface Window {
  latencies: number[];
  errors: number;
  seconds: number;
  serverCpuMs: number;
  /** null for the bare server. */
  databaseCpuMs: number | null;
  clientCpuMs: number;
  lastAnswer: Buffer | null;
}

/** Switchboard over native gRPC, the same Switchboard process over gRPC-Web, the bare grpc-js server. */
type Side = 'switchboard' | 'grpc-web' | 'bare';

/** One of the CALLERS' connection(s): `call` answers the response message bytes. */
interface Caller {
  call(): Promise<Buffer>;
  close(): void;
}

interface Figures {
  requests: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
  /** CPU time (user + system) the server process spent per answered call in the measured window. */
  cpuMsPerCall: number;
  /** The same for Switchboard's PostgreSQL backends (same machine, same cores); null for the bare server. */
  databaseCpuMsPerCall: number | null;
  /** The same for this process, the callers. */
  clientCpuMsPerCall: number;
}

const definition = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
const methodDefinition = (definition[RPC.service] as grpc.ServiceDefinition)[RPC.method];
const PATH = `/${RPC.service}/${RPC.method}`;

async function main(): Promise<void> {
  if (!(await serverAnswers(SERVER))) throw new Error(`no PostgreSQL server at ${SERVER} (set BENCH_DATABASE_URL)`);
  const token = await new TokenService(SECRET).sign({ sub: 'bench', role: RPC.role });
  const db = await createScratchDatabase(SERVER, 'switchboard_bench');
  const work = mkdtempSync(join(tmpdir(), 'sb-bench-grpc-'));
  let response: Buffer;
  const windows: Record<Side, Window[]> = { switchboard: [], 'grpc-web': [], bare: [] };
  let loadSeconds: number;
  try {
    const app = await startSwitchboard(work, db.url);
    try {
      await createInterfaces(app.address, token);
      response = await callOnce(app.address, token);
      const responseFile = join(work, 'response.bin');
      writeFileSync(responseFile, response);
      const bare = await startBareServer(responseFile);
      try {
        const measure: Record<Side, (warmup: number) => Promise<Window>> = {
          switchboard: (warmup: number) => load(() => nativeCaller(app.address, token), app.pid, () => databaseBackends(db.url), warmup),
          'grpc-web': (warmup: number) => load(() => grpcWebCaller(app.address, token), app.pid, () => databaseBackends(db.url), warmup),
          bare: (warmup: number) => load(() => nativeCaller(bare.address, token), bare.pid, () => Promise.resolve([]), warmup),
        };
        const loadStarted = performance.now();
        // Alternating windows (A B, B A, A B ...): load from other work on the machine that comes
        // and goes falls on both servers alike, so the ratio of one run stays comparable.
        for (let round = 0; round < ROUNDS; round += 1) {
          const order: Side[] = round % 2 === 0 ? ['switchboard', 'grpc-web', 'bare'] : ['bare', 'grpc-web', 'switchboard'];
          for (const side of order) windows[side].push(await measure[side](round === 0 ? WARMUP_SECONDS : REWARM_SECONDS));
        }
        loadSeconds = (performance.now() - loadStarted) / 1000;
        assertSameAnswer('switchboard', windows.switchboard.at(-1)!.lastAnswer, response);
        assertSameAnswer('switchboard over gRPC-Web', windows['grpc-web'].at(-1)!.lastAnswer, response);
        assertSameAnswer('bare grpc-js', windows.bare.at(-1)!.lastAnswer, response);
      } finally {
        await bare.stop();
      }
    } finally {
      await app.stop();
    }
  } finally {
    await db.drop();
    rmSync(work, { recursive: true, force: true });
  }
  const switchboard = combine(windows.switchboard);
  const web = combine(windows['grpc-web']);
  const bareFigures = combine(windows.bare);

  console.log(
    `${RPC.method} of ${INTERFACES} interfaces (${RPC.role} token), response ${response.length} bytes, ${CALLERS} concurrent callers, ` +
      `${SECONDS} s each in ${ROUNDS} alternating windows (warm-up ${WARMUP_SECONDS} s, then ${REWARM_SECONDS} s per window)`,
  );
  print('switchboard', switchboard);
  print('grpc-web', web);
  print('bare grpc-js', bareFigures);
  const rps = (f: Figures) => f.requests / f.seconds;
  const ratio = rps(switchboard) / rps(bareFigures);
  console.log(`ratio: switchboard / bare = ${ratio.toFixed(2)}× throughput (target ≥ 0.70×), ${(bareFigures.cpuMsPerCall / switchboard.cpuMsPerCall).toFixed(2)}× by server CPU per call`);
  console.log(
    `ratio: gRPC-Web / native gRPC (same Switchboard process) = ${(rps(web) / rps(switchboard)).toFixed(2)}× throughput (target ≥ 0.70×), ${(switchboard.cpuMsPerCall / web.cpuMsPerCall).toFixed(2)}× by server CPU per call`,
  );
  if (PROF_DIR) {
    console.log(`CPU profile of the Switchboard process: ${PROF_DIR}`);
    console.log(`  summary of the load phase: node dist/bench/cpu-profile-summary.js ${PROF_DIR} --last ${Math.ceil(loadSeconds + 1)}`);
  }
}

function us(ms: number): string {
  return (ms * 1000).toFixed(0).padStart(5);
}

function print(label: string, f: Figures): void {
  const rps = f.requests / f.seconds;
  console.log(
    `${label.padEnd(13)} ${rps.toFixed(0).padStart(7)} req/s   p50 ${f.p50.toFixed(1).padStart(6)} ms   p99 ${f.p99.toFixed(1).padStart(6)} ms   server CPU ${us(f.cpuMsPerCall)} µs/call (PostgreSQL ${f.databaseCpuMsPerCall === null ? '    -' : us(f.databaseCpuMsPerCall)}, callers ${us(f.clientCpuMsPerCall)})   errors ${f.errors}`,
  );
}

function startSwitchboard(work: string, databaseUrl: string): Promise<SwitchboardProcess> {
  // No health sweep during the run: it would change the rows (last_check_at) mid-measurement.
  return startSwitchboardProcess({ work, databaseUrl, jwtSecret: SECRET, profDir: PROF_DIR, env: { HEALTH_CHECK_CRON: '0 0 1 1 *' } });
}

/** bench/grpc-bare-server.ts in a process of its own, answering the bytes Switchboard sent. */
async function startBareServer(responseFile: string): Promise<{ address: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [join(DIST_ROOT, 'bench', 'grpc-bare-server.js'), RPC.service, RPC.method, responseFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`bare server exited (${code})`)));
  });
  return {
    address: `127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function newClient(address: string): grpc.Client {
  return new grpc.Client(address, grpc.credentials.createInsecure());
}

function unary(client: grpc.Client, metadata: grpc.Metadata): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      PATH,
      (req: unknown) => methodDefinition.requestSerialize(req),
      (bytes: Buffer) => bytes,
      RPC.request,
      metadata,
      { deadline: Date.now() + 10_000 },
      (err, value) => (err || !value ? reject(err ?? new Error('no answer')) : resolve(value)),
    );
  });
}

/** The service with full (de)serialisation, for setting up through the real API. */
const IntegrationClient = (grpc.loadPackageDefinition(definition).rustbill as grpc.GrpcObject).integration as grpc.GrpcObject;

function rpc<T>(client: grpc.Client, method: string, request: object, metadata: grpc.Metadata): Promise<T> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, (req: object, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, value: T) => void) => void>)[method];
    fn.call(client, request, metadata, (err, value) => (err ? reject(new Error(`${method}: ${err.message}`)) : resolve(value)));
  });
}

/**
 * INTERFACES webhook notifier interfaces, created through CreatePluginInterface, then waits until
 * every one has its first (background) health check recorded, so the rows no longer change.
 */
async function createInterfaces(address: string, token: string): Promise<void> {
  const Service = IntegrationClient.IntegrationService as grpc.ServiceClientConstructor;
  const client = new Service(address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  try {
    const { plugins } = await rpc<{ plugins: { id: string; plugin_type: string; plugin_id: string }[] }>(client, 'ListPlugins', {}, metadata);
    const webhook = plugins.find((p) => p.plugin_type === 'notifier' && p.plugin_id === 'webhook');
    if (!webhook) throw new Error('the built-in notifier/webhook plugin is not loaded');
    for (let i = 0; i < INTERFACES; i += 1) {
      const n = String(i + 1).padStart(3, '0');
      const config = {
        // Loopback: the plugin HTTP guard refuses it, so each health check fails at once, offline.
        url: `https://127.0.0.1:9/hooks/bench-${n}`,
        secret: `whsec_${randomBytes(24).toString('base64')}`,
        timeout_ms: 5000,
        events: ['order_paid', 'ticket_replied'],
      };
      await rpc(client, 'CreatePluginInterface', { plugin_def_id: webhook.id, display_name: `bench webhook ${n}`, config_json: JSON.stringify(config) }, metadata);
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { interfaces } = await rpc<{ interfaces: { last_check_at?: string }[] }>(client, 'ListPluginInterfaces', {}, metadata);
      const checked = interfaces.filter((i) => i.last_check_at !== undefined).length;
      if (interfaces.length === INTERFACES && checked === INTERFACES) return;
      if (Date.now() > deadline) throw new Error(`${checked} of ${interfaces.length} interfaces health-checked after 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    client.close();
  }
}

function assertSameAnswer(label: string, answer: Buffer | null, captured: Buffer): void {
  if (answer === null || !answer.equals(captured)) throw new Error(`${label} answered other bytes than the captured response during the run`);
}

async function callOnce(address: string, token: string): Promise<Buffer> {
  const client = newClient(address);
  try {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    return await unary(client, metadata);
  } finally {
    client.close();
  }
}

/** The pids of the PostgreSQL backends serving Switchboard's pool (application_name "switchboard"). */
async function databaseBackends(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'switchboard'");
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

function combine(windows: Window[]): Figures {
  const latencies = windows.flatMap((w) => w.latencies).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const sum = (f: (w: Window) => number) => windows.reduce((total, w) => total + f(w), 0);
  const database = windows.every((w) => w.databaseCpuMs !== null) ? sum((w) => w.databaseCpuMs ?? 0) : null;
  return {
    requests: latencies.length,
    errors: sum((w) => w.errors),
    seconds: sum((w) => w.seconds),
    p50: at(0.5),
    p99: at(0.99),
    cpuMsPerCall: sum((w) => w.serverCpuMs) / latencies.length,
    databaseCpuMsPerCall: database === null ? null : database / latencies.length,
    clientCpuMsPerCall: sum((w) => w.clientCpuMs) / latencies.length,
  };
}

/**
 * CALLERS loops on one channel, each issuing the next call when the last one answered, for a
 * warm-up and then SECONDS / ROUNDS measured seconds. `backends`: the PostgreSQL pids whose CPU
 * counts, read once the warm-up has opened the pool's connections.
 */
async function load(connect: () => Caller, serverPid: number, backends: () => Promise<number[]>, warmupSeconds: number): Promise<Window> {
  const client = connect();
  const latencies: number[] = [];
  let errors = 0;
  let lastAnswer: Buffer | null = null;
  let measuring = false;
  let running = true;
  const caller = async () => {
    while (running) {
      const started = performance.now();
      try {
        const bytes = await client.call();
        lastAnswer = bytes;
        if (measuring) latencies.push(performance.now() - started);
      } catch {
        if (measuring) errors += 1;
      }
    }
  };
  const callers = Array.from({ length: CALLERS }, caller);
  await new Promise((r) => setTimeout(r, warmupSeconds * 1000));
  const databasePids = await backends();
  measuring = true;
  const started = performance.now();
  const cpuBefore = cpuMs(serverPid);
  const databaseBefore = databasePids.map((pid) => cpuMs(pid));
  const clientBefore = process.cpuUsage();
  await new Promise((r) => setTimeout(r, (SECONDS / ROUNDS) * 1000));
  measuring = false;
  const serverCpuMs = cpuMs(serverPid) - cpuBefore;
  const databaseCpuMs = databasePids.reduce((sum, pid, i) => sum + cpuMs(pid, databaseBefore[i]) - databaseBefore[i], 0);
  const clientUsage = process.cpuUsage(clientBefore);
  const seconds = (performance.now() - started) / 1000;
  running = false;
  await Promise.all(callers);
  client.close();
  return {
    latencies,
    errors,
    seconds,
    serverCpuMs,
    databaseCpuMs: databasePids.length > 0 ? databaseCpuMs : null,
    clientCpuMs: (clientUsage.user + clientUsage.system) / 1000,
    lastAnswer,
  };
}

/** Native gRPC: one grpc-js channel (HTTP/2) shared by the callers. */
function nativeCaller(address: string, token: string): Caller {
  const client = newClient(address);
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return { call: () => unary(client, metadata), close: () => client.close() };
}

/**
 * gRPC-Web as a browser sends it: HTTP/1.1 POST with keep-alive (one connection per caller, as a
 * browser's pool would hold), one framed message, the first data frame's payload taken as the
 * answer, grpc-status read from the headers (trailers-only) or the trailer frame.
 */
function grpcWebCaller(address: string, token: string): Caller {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CALLERS });
  const [host, port] = address.split(':');
  const body = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), methodDefinition.requestSerialize(RPC.request)]);
  body.writeUInt32BE(body.length - 5, 1);
  const headers = { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1', authorization: `Bearer ${token}`, 'content-length': String(body.length) };
  return {
    call: () =>
      new Promise<Buffer>((resolve, reject) => {
        const req = http.request({ host, port: Number(port), method: 'POST', path: PATH, agent, headers, timeout: 10_000 }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.headers['grpc-status'];
            if (status !== undefined && status !== '0') return reject(new Error(`grpc-status ${String(status)}`));
            const all = Buffer.concat(chunks);
            if (all.length < 5 || all[0] !== 0) return reject(new Error('no data frame'));
            resolve(all.subarray(5, 5 + all.readUInt32BE(1)));
          });
        });
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

/**
 * utime + stime of a process, in ms (/proc/<pid>/stat, clock ticks of 10 ms): on a machine shared
 * with other work, CPU per call is steadier than requests/s. A process that has exited (a pooled
 * PostgreSQL connection closed while idle) reads as `ifGone`, so it adds nothing after it went.
 */
function cpuMs(pid: number, ifGone = 0): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return ifGone;
  }
  const fields = stat.split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
