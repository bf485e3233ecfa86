import type { ErrorCode } from './error-codes.js';

/** One field-level problem of a validation failure. */
export interface Violation {
  field: string;
  message: string;
}

export type ErrorDetails = Record<string, unknown>;

/**
 * The one error type domain code throws. The code decides how every transport answers
 * (see error-registry.ts); the message is safe to show to the caller; details are structured data
 * for the caller (never secrets, stack traces or SQL).
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  /** A validation failure naming each offending field. */
  static validation(violations: Violation[]): AppError {
    const message = violations.map((v) => `${v.field}: ${v.message}`).join('; ');
    return new AppError('common.validation_failed', message, { violations });
  }

  static invalidField(field: string, message: string): AppError {
    return AppError.validation([{ field, message }]);
  }
}
