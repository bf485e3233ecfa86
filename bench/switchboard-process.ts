import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST_ROOT } from '../src/config/paths.js';

/** The keyring of every bench's server: production with DATABASE_URL requires one (a fixed key: benches hold no real secrets). */
export const BENCH_SECRETS_KEY = `bench:${Buffer.alloc(32, 1).toString('base64')}`;

export interface SwitchboardProcess {
  /** host:port of its gRPC listener. */
  address: string;
  pid: number;
  stop(): Promise<void>;
}

export interface SwitchboardProcessOptions {
  /** A scratch directory: the log goes to <work>/switchboard.log, the data directory beside it. */
  work: string;
  /** null: no DATABASE_URL, the embedded default in <work>/data. */
  databaseUrl: string | null;
  jwtSecret: string;
  /** Extra environment (on top of production defaults on ephemeral loopback ports, log level info). */
  env?: Record<string, string>;
  /** Write a V8 CPU profile of the process into this directory. */
  profDir?: string | null;
}

/**
 * The real entry point (dist/src/main.js) as an operator runs it, for the benches: its own process,
 * its log (info: the ready line and one line per call) in a file, ready when it logs
 * "switchboard ready".
 */
export async function startSwitchboardProcess(options: SwitchboardProcessOptions): Promise<SwitchboardProcess> {
  const logPath = join(options.work, 'switchboard.log');
  const log = openSync(logPath, 'w');
  const nodeArgs = options.profDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profDir}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, join(DIST_ROOT, 'src', 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(options.databaseUrl === null ? {} : { DATABASE_URL: options.databaseUrl }),
      DATA_DIR: join(options.work, 'data'),
      HTTP_PORT: '0',
      GRPC_PORT: '0',
      HOST: '127.0.0.1',
      JWT_SECRET: options.jwtSecret,
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      SECRETS_KEY: BENCH_SECRETS_KEY,
      SWITCHBOARD_SUPERVISED: '0',
      ...options.env,
    },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const text = readFileSync(logPath, 'utf8');
    const ready = text.split('\n').find((line) => line.includes('"msg":"switchboard ready"'));
    if (ready) {
      const { grpc_port } = JSON.parse(ready) as { grpc_port: number };
      return {
        address: `127.0.0.1:${grpc_port}`,
        pid: child.pid ?? 0,
        async stop() {
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`switchboard did not get ready: ${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
