import { HttpException } from '@nestjs/common';
import { AppError } from './app-error.js';
import { databaseUnavailableReason } from './database-unavailable.js';

export interface NormalizedError {
  error: AppError;
  /** True when the error was not an AppError and no outage either: a bug, logged with its stack. */
  unexpected: boolean;
  /**
   * When the database could not be reached, why (a fixed word such as `ECONNREFUSED` or
   * `SQLSTATE 57P01`, never the driver's message): the error is common.unavailable, logged as a
   * warning without a stack.
   */
  outage?: string;
}

/**
 * Turns anything thrown into an AppError. Nest's own HTTP exceptions (unknown route, ...) and
 * body-parser failures get their proper codes; an error saying the database cannot be reached
 * (database-unavailable.ts) becomes common.unavailable, which callers should retry; everything
 * else becomes common.internal. Both with a generic message, so no stack trace, SQL, address or
 * secret reaches a caller.
 */
export function normalizeError(err: unknown, traceId: string): NormalizedError {
  if (err instanceof AppError) return { error: err, unexpected: false };

  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status === 404) return expected(new AppError('common.not_found', 'No such route'));
    if (status === 413) return expected(new AppError('common.payload_too_large', 'Request body is too large'));
    if (status === 400) return expected(new AppError('common.malformed_request', err.message));
  }

  const bodyParser = bodyParserError(err);
  if (bodyParser) return expected(bodyParser);

  const outage = databaseUnavailableReason(err);
  if (outage) {
    return {
      error: new AppError('common.unavailable', `The database is unavailable; retry shortly (trace id ${traceId})`, null, { cause: err }),
      unexpected: false,
      outage,
    };
  }

  return {
    error: new AppError('common.internal', `Internal error (trace id ${traceId})`, null, { cause: err }),
    unexpected: true,
  };
}

function expected(error: AppError): NormalizedError {
  return { error, unexpected: false };
}

/** body-parser / raw-body errors carry a `type` string. */
function bodyParserError(err: unknown): AppError | null {
  if (typeof err !== 'object' || err === null || !('type' in err)) return null;
  switch ((err).type) {
    case 'entity.parse.failed':
      return new AppError('common.malformed_request', 'Request body is not valid JSON');
    case 'entity.empty':
      return new AppError('common.malformed_request', 'Request body is empty: send a JSON object');
    case 'entity.too.large':
      return new AppError('common.payload_too_large', 'Request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('common.malformed_request', 'Request body encoding is not supported');
    default:
      return null;
  }
}
