import { assertUnreachable, defineErrorTable, errorTransport } from '../../common/errors/error-registry.js';

/**
 * The notification module's error codes, in seed 002's `notif` namespace (`notif.template_not_found`
 * in its contract), and how each surfaces on the transports (joined into the one table in
 * src/app.errors.ts). A bad filter, cursor or page size in the delivery log is
 * `common.validation_failed` naming the field; these are the conditions only this module knows.
 */
export const NOTIFICATION_ERROR_CODES = ['notif.record_not_found', 'notif.record_not_replayable', 'notif.channel_unavailable'] as const;
export type NotificationErrorCode = (typeof NOTIFICATION_ERROR_CODES)[number];

declare module '../../common/errors/error-registry.js' {
  interface ErrorCodeRegistry {
    notif: NotificationErrorCode;
  }
}

export const NOTIFICATION_ERRORS = defineErrorTable(NOTIFICATION_ERROR_CODES, (code) => {
  switch (code) {
    case 'notif.record_not_found':
      return errorTransport('NOT_FOUND', 'NOT_FOUND', 404);
    // Only failed and dead records are replayed: a queued, sending or skipped one is the
    // dispatcher's, and a sent one was delivered (send it again by hand instead).
    case 'notif.record_not_replayable':
      return errorTransport('FAILED_PRECONDITION', 'FAILED_PRECONDITION', 409);
    // A templated send (seed 002's POST /send) on a channel type no enabled notifier serves:
    // refused rather than queued for nobody.
    case 'notif.channel_unavailable':
      return errorTransport('FAILED_PRECONDITION', 'FAILED_PRECONDITION', 422);
    default:
      return assertUnreachable(code);
  }
});
