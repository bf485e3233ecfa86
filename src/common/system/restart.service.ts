import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../tokens.js';

/**
 * Exit status of a process that RestartServer stopped so that its process manager starts it again
 * (sysexits' EX_TEMPFAIL, "try again"): non-zero, so systemd's `Restart=on-failure` restarts it,
 * and distinct from 1 (failed to start, bad configuration), so an operator can tell them apart.
 */
export const RESTART_EXIT_CODE = 75;

/**
 * RestartServer's side effect, decoupled from the transports: a handler asks for a restart and
 * answers at once; whoever runs the app (src/supervisor.ts) is told on the next turn of the event
 * loop and carries it out (graceful close, then a new app in this process, or an exit for the
 * process manager). This service deliberately neither closes nor exits anything itself: an app
 * started by a test (test/support/test-app.ts) has no supervisor listening, so the request is
 * logged and nothing else happens. A request while one is pending is answered and not repeated.
 */
@Injectable()
export class RestartService {
  private readonly listeners = new Set<() => void>();
  private pending = false;

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  /** Registers what carries the restart out; returns the unsubscribe function. */
  onRequest(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  request(): void {
    if (this.pending) return;
    this.pending = true;
    this.logger.warn({ supervised_in_process: this.listeners.size > 0 }, 'restart requested');
    // After the handler returns, so the answer goes out first; the graceful shutdown that follows
    // lets this very call (and every other in-flight one) finish.
    setImmediate(() => {
      for (const listener of this.listeners) listener();
    });
  }
}
