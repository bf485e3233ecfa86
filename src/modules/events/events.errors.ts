import { assertUnreachable, defineErrorTable, errorTransport } from '../../common/errors/error-registry.js';

/**
 * The events module's error codes. Every one is a publisher's mistake, refused before anything is
 * written: the event type is not in the catalog, the version is not, the payload fails its schema
 * (details name the JSON path), or the payload is larger than EVENT_MAX_BYTES.
 */
export const EVENTS_ERROR_CODES = ['events.unknown_type', 'events.unknown_version', 'events.invalid_payload', 'events.payload_too_large'] as const;
export type EventsErrorCode = (typeof EVENTS_ERROR_CODES)[number];

declare module '../../common/errors/error-registry.js' {
  interface ErrorCodeRegistry {
    events: EventsErrorCode;
  }
}

export const EVENTS_ERRORS = defineErrorTable(EVENTS_ERROR_CODES, (code) => {
  switch (code) {
    case 'events.unknown_type':
    case 'events.unknown_version':
    case 'events.invalid_payload':
      return errorTransport('INVALID_ARGUMENT', 'BAD_USER_INPUT', 422);
    case 'events.payload_too_large':
      return errorTransport('RESOURCE_EXHAUSTED', 'BAD_USER_INPUT', 413);
    default:
      return assertUnreachable(code);
  }
});
