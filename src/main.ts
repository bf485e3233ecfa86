import 'reflect-metadata';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';
import { SERVER_VERSION } from './config/version.js';
import { createLogger } from './common/logging/logger.js';
import { assertDataDirFree } from './common/database/data-dir-lock.js';
import { StartupError } from './common/system/startup-error.js';

const USAGE = `usage: node dist/src/main.js        (npm start builds first; npm run start:prod does not)

Switchboard ${SERVER_VERSION}: serves gRPC on GRPC_PORT (50051) and HTTP (REST, GraphQL, /health,
/metrics) on HTTP_PORT (3000). It takes no arguments: it is configured by environment variables
(and a .env file), listed in README.md under "Configuration". Without DATABASE_URL it runs on the
embedded PostgreSQL in DATA_DIR (./data), one process per directory.`;

/** Ends the process with one line on stderr: what is wrong and what to change, no stack. */
function die(message: string, code = 1): never {
  process.stderr.write(`switchboard: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (args.includes('--version')) {
    process.stdout.write(`${SERVER_VERSION}\n`);
    process.exit(0);
  }
  if (args.length > 0) die(`unexpected argument ${JSON.stringify(args[0])}\n\n${USAGE}`, 2);

  let config: AppConfig;
  try {
    config = loadConfig();
    // Before loading the app (seconds): a second process on the same data directory stops at once.
    if (config.database.url === null) assertDataDirFree(config.dataDir);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StartupError) die(err.message);
    throw err;
  }
  const logger = createLogger(config.logLevel);
  logger.info({ version: SERVER_VERSION, role: config.role, pid: process.pid }, 'starting switchboard');
  // Start, stop on SIGTERM/SIGINT, and carry out RestartServer (in this process, or by exiting 75
  // under a process manager): see src/supervisor.ts. Imported here, after the checks above, because
  // loading the app's modules takes a few seconds.
  const { superviseSwitchboard } = await import('./supervisor.js');
  await superviseSwitchboard(config, logger);
}

void main();
