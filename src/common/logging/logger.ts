import { pino, type Logger } from 'pino';
import type { LogLevel } from '../../config/app-config.js';
import { currentContext } from './request-context.js';

/** Bytes of log lines gathered before one write to stdout. */
const STDOUT_BUFFER_BYTES = 4096;
/** The longest a line waits in that buffer. */
const STDOUT_FLUSH_MS = 200;

/**
 * JSON logs on stdout (pino). Every line written inside a call carries that call's trace id.
 * Known secret-bearing paths are redacted; domain code must still never log a secret.
 *
 * Stdout is written in batches: lines gather up to STDOUT_BUFFER_BYTES, and whatever is waiting is
 * written at least every STDOUT_FLUSH_MS and, synchronously, when the process exits (pino's exit
 * hook). One write per call's access line was a large share of a small call's cost; a line now
 * shows up at most STDOUT_FLUSH_MS late, and only a SIGKILL can lose the last ones.
 */
export function createLogger(level: LogLevel, destination: pino.DestinationStream = bufferedStdout()): Logger {
  return pino(
    {
      level,
      base: { service: 'switchboard' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const ctx = currentContext();
        return ctx ? { trace_id: ctx.traceId, transport: ctx.transport, operation: ctx.operation } : {};
      },
      redact: {
        paths: ['authorization', '*.authorization', 'headers.authorization', 'password', '*.password', 'secret', '*.secret', 'token', '*.token'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

function bufferedStdout(): pino.DestinationStream {
  const stdout = pino.destination({ dest: 1, sync: false, minLength: STDOUT_BUFFER_BYTES });
  setInterval(() => {
    try {
      stdout.flush();
    } catch {
      // destroyed (the process is exiting): the exit hook has written what was left
    }
  }, STDOUT_FLUSH_MS).unref();
  return stdout;
}
