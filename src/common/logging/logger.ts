import { pino, type Logger } from 'pino';
import type { LogLevel } from '../../config/app-config.js';
import { currentContext } from './request-context.js';

/**
 * JSON logs on stdout (pino). Every line written inside a call carries that call's trace id.
 * Known secret-bearing paths are redacted; domain code must still never log a secret.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
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
