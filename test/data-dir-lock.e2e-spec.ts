import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnApp, waitForReadyLine, type SpawnedApp } from './support/spawn-app.js';

/** The embedded database on a temp DATA_DIR, all ports chosen by the OS. */
const env = (dataDir: string, extra: Record<string, string> = {}) => ({ DATA_DIR: dataDir, HTTP_PORT: '0', GRPC_PORT: '0', LOG_LEVEL: 'warn', ...extra });

/** A pid that ran and has exited (and was reaped): what a kill -9'd server leaves in its lock. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

async function stop(app: SpawnedApp): Promise<void> {
  if (app.child.exitCode === null) app.child.kill('SIGTERM');
  await app.exited;
}

describe('one process per data directory; a taken port is one line', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'data-dir-lock-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a second process on the same DATA_DIR exits at once with one line naming the directory and the pid', async () => {
    const first = spawnApp(env(dataDir, { LOG_LEVEL: 'info' }));
    try {
      await waitForReadyLine(first, 90_000);
      expect(readFileSync(join(dataDir, 'switchboard.lock'), 'utf8').trim()).toBe(String(first.child.pid));
      const startedAt = Date.now();
      const second = spawnApp(env(dataDir));
      expect(await second.exited).toBe(1);
      expect(Date.now() - startedAt).toBeLessThan(5_000);
      expect(second.stderr()).toBe(
        `switchboard: the data directory ${dataDir} is in use by process ${first.child.pid} (another switchboard, or npm run migration:*): ` +
          `stop it, or set DATA_DIR to another directory (if no such process runs, delete ${join(dataDir, 'switchboard.lock')})\n`,
      );
      expect(first.child.exitCode).toBeNull(); // the first one is untouched
    } finally {
      await stop(first);
    }
    expect(await first.exited).toBe(0);
  }, 120_000);

  it('a stale lock of a dead pid (kill -9) is taken over, saying so, and released at exit', async () => {
    const stale = await deadPid();
    writeFileSync(join(dataDir, 'switchboard.lock'), `${stale}\n`);
    const app = spawnApp(env(dataDir, { LOG_LEVEL: 'info' }));
    try {
      await waitForReadyLine(app, 90_000);
      expect(readFileSync(join(dataDir, 'switchboard.lock'), 'utf8').trim()).toBe(String(app.child.pid));
      const line = app.stdout().split('\n').find((l) => l.includes('took over the stale lock'));
      expect(line).toBeDefined();
      expect(JSON.parse(line!)).toMatchObject({ level: 'warn', stale_pid: stale, dataDir });
    } finally {
      await stop(app);
    }
    expect(() => readFileSync(join(dataDir, 'switchboard.lock'))).toThrow(/ENOENT/);
  }, 120_000);

  it.each([
    ['HTTP_PORT', 'HTTP'],
    ['GRPC_PORT', 'gRPC'],
  ])('%s already in use: one line naming the variable, no stack', async (variable, what) => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const app = spawnApp(env(dataDir, { HOST: '127.0.0.1', [variable]: String(port) }));
      expect(await app.exited).toBe(1);
      expect(app.stderr()).toBe(
        `switchboard: ${what} cannot listen: port ${port} on 127.0.0.1 is already in use by another process (another switchboard?); stop it or set ${variable} to a free port\n`,
      );
      expect(app.stdout()).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 120_000);
});
