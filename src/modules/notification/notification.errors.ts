import { assertUnreachable, defineErrorTable, errorTransport } from '../../common/errors/error-registry.js';

/**
 * The notification module's error codes, in seed 002's `notif` namespace (`notif.template_not_found`
 * in its contract), and how each surfaces on the transports (joined into the one table in
 * src/app.errors.ts). A bad filter, cursor or page size in the delivery log is
 * `common.validation_failed` naming the field; these are the conditions only this module knows.
 */
export const NOTIFICATION_ERROR_CODES = [
  'notif.record_not_found',
  'notif.record_not_replayable',
  'notif.channel_unavailable',
  'notif.idempotency_key_reused',
  'notif.template_not_found',
  'notif.template_name_taken',
  'notif.template_trigger_taken',
  'notif.template_param_missing',
  'notif.template_too_large',
  'notif.event_not_mutable',
  'notif.record_not_cancellable',
  'notif.no_webhook_target',
] as const;
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
    // POST /send with an Idempotency-Key already used, by the same caller, for a different send.
    case 'notif.idempotency_key_reused':
      return errorTransport('ALREADY_EXISTS', 'CONFLICT', 409);
    case 'notif.channel_unavailable':
      return errorTransport('FAILED_PRECONDITION', 'FAILED_PRECONDITION', 422);
    case 'notif.template_not_found':
      return errorTransport('NOT_FOUND', 'NOT_FOUND', 404);
    // Template names are unique; so is (trigger_event, type, language) among event-triggered
    // templates (the planner must not have to choose between two). Both from the unique index,
    // so concurrent saves cannot both win.
    case 'notif.template_name_taken':
    case 'notif.template_trigger_taken':
      return errorTransport('ALREADY_EXISTS', 'CONFLICT', 409);
    // The params of a render (a templated send, a preview) lack a value the template prints. The
    // caller fixes it by sending the params, not by waiting for the server's state to change, so
    // INVALID_ARGUMENT (not FAILED_PRECONDITION); a code of its own so a client can tell "these
    // params do not fit this template" from a malformed field.
    case 'notif.template_param_missing':
      return errorTransport('INVALID_ARGUMENT', 'BAD_USER_INPUT', 422);
    // A render (a send, a preview) that would print more than TEMPLATE_MAX_OUTPUT_CHARS or take
    // more than TEMPLATE_MAX_RENDER_WORK steps with these params: stopped at the cap, never built.
    case 'notif.template_too_large':
      return errorTransport('INVALID_ARGUMENT', 'BAD_USER_INPUT', 422);
    // Muting an event the catalog marks as not opt-out-able (password.reset_requested, order_paid).
    case 'notif.event_not_mutable':
      return errorTransport('FAILED_PRECONDITION', 'BAD_USER_INPUT', 422);
    // Cancelling a record already sending, sent or otherwise finished.
    case 'notif.record_not_cancellable':
      return errorTransport('FAILED_PRECONDITION', 'FAILED_PRECONDITION', 409);
    // Rotating the signing secret of an own webhook target the settings do not have.
    case 'notif.no_webhook_target':
      return errorTransport('FAILED_PRECONDITION', 'FAILED_PRECONDITION', 409);
    default:
      return assertUnreachable(code);
  }
});
