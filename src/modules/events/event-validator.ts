import { Inject, Injectable } from '@nestjs/common';
import { Ajv, type ValidateFunction } from 'ajv';
import { AppError, type Violation } from '../../common/errors/app-error.js';
import { inYearRange, MAX_YEAR, MIN_YEAR, parseRfc3339, scheduledTime } from '../../common/schedule-time.js';
import { APP_CONFIG } from '../../common/tokens.js';
import { assertInputText } from '../../common/validation/input-text.js';
import { addFormats, violationsOf } from '../../common/validation/json-schema.js';
import type { AppConfig } from '../../config/app-config.js';
import { catalogEntry, EVENT_CATALOG, EVENT_TYPES, isEventType, versionsOf } from './event-catalog.js';
import type { EventEnvelope, PublishEventInput } from './events.types.js';

/** Printable, no spaces or control characters: a UUID, "evt-xyz123" (seed 002), "order-42.paid". */
const EVENT_ID = /^[^\p{C}\p{Z}]{1,200}$/u;
const SOURCE = /^[^\p{C}]{1,200}$/u;

/**
 * Turns what a publisher sent into an EventEnvelope, or refuses it with the code and the field:
 * the envelope fields (`event_id`, `occurred_at`, `source`), then the catalog (`events.unknown_type`,
 * `events.unknown_version`), the size (`events.payload_too_large`) and the payload schema
 * (`events.invalid_payload`, each violation naming its path under `data`). `field` prefixes every
 * name, so a batch says which event was wrong (`events[3].data.amount`).
 */
@Injectable()
export class EventValidator {
  private readonly ajv = addFormats(new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }));
  private readonly compiled = new Map<object, ValidateFunction>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    // Compile every schema at boot: a broken catalog entry fails the start, not the first event.
    for (const versions of Object.values(EVENT_CATALOG)) for (const entry of Object.values(versions)) this.validator((entry as { schema: object }).schema);
  }

  prepare(input: PublishEventInput, now: Date, traceId: string | null, field = ''): EventEnvelope & { eventIdGiven: boolean } {
    const name = (f: string): string => (field ? `${field}.${f}` : f);
    const violations: Violation[] = [];

    const eventId = input.eventId ?? '';
    if (eventId !== '' && !EVENT_ID.test(eventId)) violations.push({ field: name('event_id'), message: 'must be 1 to 200 printable characters without spaces' });
    const source = input.source ?? '';
    if (source !== '' && !SOURCE.test(source)) violations.push({ field: name('source'), message: 'must be at most 200 printable characters' });
    const occurredAt = parseOccurredAt(input.occurredAt, now);
    if (occurredAt === null) violations.push({ field: name('occurred_at'), message: `must be an RFC 3339 timestamp such as 2026-12-01T10:00:00Z, in the years ${MIN_YEAR} to ${MAX_YEAR}` });
    let deliverAt: Date | null = null;
    try {
      deliverAt = scheduledTime(input.deliverAt, now, this.config.delivery.maxScheduleDays, name('deliver_at'));
    } catch (err) {
      violations.push(...(((err as AppError).details?.violations as Violation[] | undefined) ?? []));
    }
    if (violations.length > 0) throw AppError.validation(violations);

    const eventType = (input.eventType ?? '').trim();
    if (eventType === '') throw AppError.invalidField(name('event_type'), 'is required');
    if (!isEventType(eventType)) {
      throw new AppError('events.unknown_type', `${name('event_type')}: unknown event type "${clip(eventType)}"; known: ${EVENT_TYPES.join(', ')}`, {
        field: name('event_type'),
        known: EVENT_TYPES,
      });
    }
    const eventVersion = (input.eventVersion ?? '').trim() || '1';
    const entry = catalogEntry(eventType, eventVersion);
    if (!entry) {
      throw new AppError('events.unknown_version', `${name('event_version')}: ${eventType} has no version "${clip(eventVersion)}"; known: ${versionsOf(eventType).join(', ')}`, {
        field: name('event_version'),
        known: versionsOf(eventType),
      });
    }

    const data = this.parseData(input, name('data'));
    this.checkPayload(entry.schema, data, name('data'));
    return {
      eventId: eventId === '' ? '' : eventId,
      eventIdGiven: eventId !== '',
      eventType,
      eventVersion,
      occurredAt: occurredAt!,
      source: source === '' ? null : source,
      data,
      traceId,
      deliverAt,
    };
  }

  /**
   * A stored row checked again before planning (written by another version of the server, or by
   * hand): the reason it cannot be planned, or null.
   */
  recheck(type: string, version: string, data: unknown): string | null {
    if (!isEventType(type)) return `unknown event type "${clip(type)}"`;
    const entry = catalogEntry(type, version);
    if (!entry) return `${type} has no version "${clip(version)}"`;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'data is not a JSON object';
    const violations = violationsOf(this.validator(entry.schema), data, 'data');
    return violations.length > 0 ? `payload fails its schema: ${violations.map((v) => `${v.field}: ${v.message}`).join('; ')}` : null;
  }

  private parseData(input: PublishEventInput, field: string): Record<string, unknown> {
    let data = input.data;
    let bytes: number;
    if (input.dataJson !== undefined && input.dataJson !== null && input.dataJson !== '') {
      bytes = Buffer.byteLength(input.dataJson);
      if (bytes > this.config.events.maxBytes) throw tooLarge(field, bytes, this.config.events.maxBytes);
      try {
        data = JSON.parse(input.dataJson) as unknown;
      } catch (err) {
        throw new AppError('events.invalid_payload', `${field}: is not valid JSON (${(err as Error).message})`, { violations: [{ field, message: 'is not valid JSON' }] });
      }
    } else {
      bytes = data === undefined ? 0 : Buffer.byteLength(JSON.stringify(data) ?? '');
      if (bytes > this.config.events.maxBytes) throw tooLarge(field, bytes, this.config.events.maxBytes);
    }
    if (data === undefined || data === null) throw new AppError('events.invalid_payload', `${field}: is required (a JSON object)`, { violations: [{ field, message: 'is required' }] });
    if (typeof data !== 'object' || Array.isArray(data)) {
      throw new AppError('events.invalid_payload', `${field}: must be a JSON object, got ${Array.isArray(data) ? 'an array' : typeof data}`, {
        violations: [{ field, message: 'must be a JSON object' }],
      });
    }
    // Parsed from data_json, or given as a value the transport's guard has checked already.
    if (input.dataJson) assertInputText(data, field);
    return data as Record<string, unknown>;
  }

  private checkPayload(schema: object, data: Record<string, unknown>, field: string): void {
    const violations = violationsOf(this.validator(schema), data, field);
    if (violations.length > 0) {
      throw new AppError('events.invalid_payload', violations.map((v) => `${v.field}: ${v.message}`).join('; '), { violations });
    }
  }

  private validator(schema: object): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(schema, validate);
    }
    return validate;
  }
}

/** Absent: now. Given: RFC 3339 in its calendar and year range (gRPC hands an empty field on as absent). */
function parseOccurredAt(value: string | Date | null | undefined, now: Date): Date | null {
  if (value === undefined || value === null) return now;
  if (value instanceof Date) return inYearRange(value) ? value : null;
  return parseRfc3339(value);
}

function tooLarge(field: string, bytes: number, max: number): AppError {
  return new AppError('events.payload_too_large', `${field}: ${bytes} bytes is more than the ${max} bytes an event may carry (EVENT_MAX_BYTES)`, {
    field,
    bytes,
    max,
  });
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
