import { AppError, type Violation } from '../../../common/errors/app-error.js';
import { jsonObjectBody } from '../../../common/http/json-body.js';
import { isJsonObject, kindOf } from '../../../common/validation/validators.js';
import type { JsonSchema } from '../../../common/http/openapi.js';
import type { PublishEventInput, PublishResult } from '../events.types.js';

/**
 * Seed 002's event envelope (ADR-030), as other services POST it:
 * `{ "event_type", "data", "metadata": { "event_id", "timestamp", "source_service" } }`, plus an
 * optional `event_version` beside `event_type` (absent: "1"). Other fields are ignored.
 */
export interface EventEnvelopeBody {
  event_type: string;
  event_version?: string;
  data: unknown;
  metadata?: { event_id?: string; timestamp?: string; source_service?: string };
}

export interface EventAcceptedBody {
  event_id: string;
  duplicate: boolean;
  status: 'accepted';
}

/**
 * JSON to domain. Like protobuf decoding on gRPC, this only checks that the envelope has the shape
 * of one (an object; strings where strings go); what the values mean — ids, timestamps, the type,
 * the payload — is EventBus's to check, with the same codes on every transport.
 */
export function fromEventEnvelope(parsed: unknown, contentType: string | undefined): PublishEventInput {
  const body = jsonObjectBody(parsed, contentType, 'the seed-002 event envelope');

  const violations: Violation[] = [];
  const text = (value: unknown, field: string): string | null => {
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') return value;
    violations.push({ field, message: `must be a string, got ${kindOf(value)}` });
    return null;
  };
  const metadata = body.metadata ?? {};
  if (!isJsonObject(metadata)) violations.push({ field: 'metadata', message: `must be an object, got ${kindOf(metadata)}` });
  const meta = isJsonObject(metadata) ? metadata : {};
  const input: PublishEventInput = {
    eventType: text(body.event_type, 'event_type') ?? '',
    eventVersion: text(body.event_version, 'event_version'),
    eventId: text(meta.event_id, 'metadata.event_id'),
    occurredAt: text(meta.timestamp, 'metadata.timestamp'),
    source: text(meta.source_service, 'metadata.source_service'),
    deliverAt: text(meta.deliver_at, 'metadata.deliver_at'),
    data: body.data,
  };
  if (violations.length > 0) throw AppError.validation(violations);
  return input;
}

export function toEventAccepted(r: PublishResult): EventAcceptedBody {
  return { event_id: r.eventId, duplicate: r.duplicate, status: 'accepted' };
}

export const EVENT_ENVELOPE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['event_type', 'data'],
  properties: {
    event_type: { type: 'string', description: 'A type of the event catalog (docs/events.md).' },
    event_version: { type: 'string', description: 'Default "1".' },
    data: { type: 'object', description: 'The payload, checked against the catalog\'s schema for the type and version.' },
    metadata: {
      type: 'object',
      properties: {
        event_id: { type: 'string', description: 'The deduplication key; absent: one is generated.' },
        timestamp: { type: 'string', format: 'date-time' },
        source_service: { type: 'string' },
        deliver_at: { type: 'string', format: 'date-time', description: 'Schedule: its notifications are not sent before this time (in the future, at most MAX_SCHEDULE_DAYS ahead); absent: now.' },
      },
    },
  },
  examples: [
    {
      event_type: 'user.created',
      data: { user_id: 'u123', email: 'student@vas.edu.vn', full_name: 'Nguyễn Văn A' },
      metadata: { event_id: 'evt-xyz123', timestamp: '2025-06-05T09:00:00Z', source_service: 'user-service.master' },
    },
  ],
};

export const EVENT_ACCEPTED_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['event_id', 'duplicate', 'status'],
  properties: { event_id: { type: 'string' }, duplicate: { type: 'boolean' }, status: { const: 'accepted' } },
};
