import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { TokenService } from '../../src/common/auth/token.service.js';
import { createLogger } from '../../src/common/logging/logger.js';
import { startSwitchboard, type RunningSwitchboard, type StartOptions } from '../../src/bootstrap.js';
import type { ScratchDatabase } from '../../src/common/database/scratch-database.js';
import type { LogCapture } from './log-capture.js';
import { freshTestDatabase } from './test-database.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
/** One keyring for every test app, as replicas on one database share one (an env `SECRETS_KEY: ''` tests the generated key). */
export const TEST_SECRETS_KEY = `test:${Buffer.alloc(32, 7).toString('base64')}`;

export interface TestApp {
  running: RunningSwitchboard;
  config: AppConfig;
  httpUrl: string;
  /** host:port of the gRPC server (throws in the worker role, which has none). */
  readonly grpcAddress: string;
  databaseUrl: string;
  tokens: {
    admin: string;
    user: string;
    /** A user token carrying these permission codes. */
    withPermissions(...permissions: string[]): Promise<string>;
    sign: TokenService['sign'];
  };
  close(): Promise<void>;
}

/**
 * Boots the whole app as production does (bootstrap.ts), on ephemeral ports, against a fresh
 * database whose schema comes from the migrations. `env` overrides configuration variables.
 */
export interface TestAppOptions {
  /** Capture the JSON log instead of discarding it (level from LOG_LEVEL in env, default debug then). */
  logs?: LogCapture;
  /** Extra Nest modules mounted beside the app's (probe handlers). */
  imports?: StartOptions['imports'];
  /** Share this database (e.g. replicas) instead of creating a fresh one; it is not dropped. */
  database?: ScratchDatabase;
}

export async function startTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const database: ScratchDatabase = options.database
    ? { ...options.database, drop: async () => undefined }
    : await freshTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-test-data-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    // Port 0: the OS picks free ports at bind time; the app reports the ones it got.
    HTTP_PORT: '0',
    GRPC_PORT: '0',
    JWT_SECRET: TEST_JWT_SECRET,
    SECRETS_KEY: TEST_SECRETS_KEY,
    DATABASE_URL: database.url,
    // PGlite is one session: a second pooled connection would block or break it. No LISTEN
    // connection either: its socket takes one client at a time.
    ...(database.kind === 'pglite' ? { DATABASE_POOL_SIZE: '1', DATABASE_LISTEN: 'false' } : {}),
    DATA_DIR: dataDir,
    LOG_LEVEL: options.logs ? 'debug' : (process.env.TEST_LOG_LEVEL ?? 'silent'),
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...env,
  });
  let running: RunningSwitchboard;
  try {
    running = await startSwitchboard(config, createLogger(config.logLevel, options.logs), { imports: options.imports });
  } catch (err) {
    await database.drop();
    throw err;
  }
  const tokens = new TokenService(TEST_JWT_SECRET);
  return {
    running,
    config,
    httpUrl: `http://127.0.0.1:${running.httpPort}`,
    get grpcAddress() {
      if (running.grpcPort === null) throw new Error(`role ${config.role} serves no gRPC`);
      return `127.0.0.1:${running.grpcPort}`;
    },
    databaseUrl: database.url,
    tokens: {
      admin: await tokens.sign({ sub: 'test-admin', role: 'admin' }),
      user: await tokens.sign({ sub: 'test-user', role: 'user' }),
      withPermissions: (...permissions: string[]) => tokens.sign({ sub: 'test-user', role: 'user', permissions }),
      sign: tokens.sign.bind(tokens),
    },
    async close() {
      try {
        await running.close();
      } finally {
        await database.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
