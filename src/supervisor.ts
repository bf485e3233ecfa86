import type { Logger } from 'pino';
import type { AppConfig } from './config/app-config.js';
import { RESTART_EXIT_CODE } from './common/system/restart.service.js';
import { StartupError } from './common/system/startup-error.js';
import { startSwitchboard, type RunningSwitchboard } from './bootstrap.js';

/**
 * What the process does with its one app over its lifetime: start it, stop it on SIGTERM/SIGINT
 * (exit 0; a second signal exits 1 at once), and carry out RestartServer.
 *
 * A restart first closes the app gracefully, exactly as SIGTERM does (gRPC health NOT_SERVING, no
 * new connections, in-flight calls get SHUTDOWN_TIMEOUT_MS, the database and the embedded
 * PostgreSQL closed). Then:
 * - supervised (`config.restart.supervised`: SWITCHBOARD_SUPERVISED=1, or with the default `auto`
 *   systemd's INVOCATION_ID / Kubernetes' KUBERNETES_SERVICE_HOST): the process exits with
 *   RESTART_EXIT_CODE (75) and the process manager starts a fresh one (systemd
 *   `Restart=on-failure` or `always`, a Kubernetes restartPolicy);
 * - unsupervised (`npm start`, plain `node dist/src/main.js`): nothing would start it again, so the
 *   same process builds a new app (configuration as validated at boot, modules, database pool,
 *   sandbox workers, plugin scan) and binds the same ports it had, so clients reconnect where they
 *   were. The PID, the terminal and Ctrl-C stay the same; re-exec was not chosen because a child
 *   outliving its parent would leave `npm start` returning while the server runs on, detached.
 *
 * It deliberately does not re-read the environment or the .env: a restart resets the app's state,
 * it is not a configuration reload (a process manager's restart is, since the process is new).
 */
export async function superviseSwitchboard(config: AppConfig, logger: Logger, exit: (code: number) => never = (code) => process.exit(code)): Promise<void> {
  let stopSignals = 0;
  let stopRequested: () => void = () => undefined;
  const stopped = new Promise<'stop'>((resolve) => (stopRequested = () => resolve('stop')));
  const onSignal = (signal: NodeJS.Signals) => {
    stopSignals += 1;
    if (stopSignals > 1) exit(1); // a second Ctrl-C does not wait
    logger.info({ signal }, 'shutting down');
    stopRequested();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  let current = config;
  for (let generation = 1; ; generation += 1) {
    let running: RunningSwitchboard;
    try {
      running = await startSwitchboard(current, logger);
    } catch (err) {
      if (err instanceof StartupError) {
        // One line for the operator, on stderr like a configuration error; no stack.
        process.stderr.write(`switchboard: ${err.message}\n`);
        return exit(1);
      }
      logger.fatal({ err, generation }, 'switchboard failed to start');
      return exit(1);
    }
    const outcome = stopSignals > 0 ? 'stop' : await Promise.race([stopped, running.restartRequested.then(() => 'restart' as const)]);
    if (outcome === 'restart') {
      logger.info({ supervised: config.restart.supervised, supervisor: config.restart.supervisor }, 'restarting: closing the app gracefully');
    }
    try {
      await running.close();
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      return exit(1);
    }
    // A signal that arrived while closing for a restart wins: the operator wants it stopped.
    if (outcome === 'stop' || stopSignals > 0) return exit(0);
    if (config.restart.supervised) {
      logger.info({ exit_code: RESTART_EXIT_CODE, supervisor: config.restart.supervisor }, 'restart: exiting for the process manager to start a new process');
      return exit(RESTART_EXIT_CODE);
    }
    logger.info({ generation: generation + 1 }, 'restart: starting a new app in this process');
    current = {
      ...current,
      http: { ...current.http, port: running.httpPort },
      grpc: { ...current.grpc, port: running.grpcPort ?? current.grpc.port },
    };
  }
}
