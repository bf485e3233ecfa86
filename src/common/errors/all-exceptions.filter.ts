import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { throwError } from 'rxjs';
import { currentContext, newTraceId } from '../logging/request-context.js';
import { CallMetrics } from '../metrics/call-metrics.js';
import { LOGGER } from '../tokens.js';
import { renderGraphqlError, renderGrpcError, renderHttpError } from './error-renderers.js';
import { normalizeError } from './normalize-error.js';

/**
 * The single exit for errors on all three transports: normalise to an AppError, log once with the
 * trace id (stack only for unexpected errors, never in the response; a database outage is a
 * warning without one), render per transport.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly calls: CallMetrics,
  ) {}

  catch(exception: unknown, host: ArgumentsHost) {
    const context = currentContext();
    const traceId = context?.traceId ?? newTraceId();
    const { error, unexpected, outage } = normalizeError(exception, traceId);
    const durationMs = context ? Date.now() - context.startedAt : undefined;

    if (unexpected) {
      this.logger.error({ err: exception, code: error.code, duration_ms: durationMs }, 'call failed with an unexpected error');
    } else if (outage) {
      // One line per refused call, without the error (its stack, its address): an outage refuses
      // every call until the database is back, and the log must stay readable through it.
      this.logger.warn({ code: error.code, reason: outage, trace_id: traceId, duration_ms: durationMs }, 'call refused: the database is unavailable');
    } else {
      this.logger.info({ code: error.code, duration_ms: durationMs }, `call failed: ${error.message}`);
    }
    this.calls.failed(host, context, error.code);

    switch (host.getType<'http' | 'rpc' | 'graphql'>()) {
      case 'rpc':
        return throwError(() => renderGrpcError(error, traceId));
      case 'graphql':
        return renderGraphqlError(error, traceId);
      default: {
        const { status, body, headers } = renderHttpError(error, traceId);
        const response = host.switchToHttp().getResponse<Response>();
        if (!response.headersSent) response.status(status).setHeader('x-trace-id', traceId).set(headers).json(body);
        return undefined;
      }
    }
  }
}
