import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/app-config.js';
import { createLogger } from './common/logging/logger.js';
import { superviseSwitchboard } from './supervisor.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`switchboard: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  // Start, stop on SIGTERM/SIGINT, and carry out RestartServer (in this process, or by exiting 75
  // under a process manager): see src/supervisor.ts.
  await superviseSwitchboard(config, logger);
}

void main();
