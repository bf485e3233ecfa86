import { HttpException } from '@nestjs/common';
import { AppError } from './app-error.js';

export interface NormalizedError {
  error: AppError;
  /** True when the error was not an AppError: a bug or an outage, logged with its stack. */
  unexpected: boolean;
}

/**
 * Turns anything thrown into an AppError. Nest's own HTTP exceptions (unknown route, ...) and
 * body-parser failures get their proper codes; everything else becomes common.internal with a
 * generic message, so no stack trace, SQL or secret reaches a caller.
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
