import { defineCommand, type JsonSchema } from '../../../common/validation/command-schema.js';
import { EVENT_TYPES } from '../event-catalog.js';
import type { PublishEventInput, PublishResult } from '../events.types.js';

/**
 * Seed 002's event envelope (docs/events.md, "The envelope"), as other services POST it:
 * `{ "event_type", "data", "metadata": { "event_id", "timestamp", "source_service" } }`, plus an
 * optional `event_version` beside `event_type` (absent: "1"). Other fields are ignored — other
 * services add their own beside the seed's, so the envelope stays open (additionalProperties).
 */
export interface EventEnvelopeBody {
  event_type: string;
  event_version?: string;
  data: unknown;
  metadata?: { event_id?: string; timestamp?: string; source_service?: string; deliver_at?: string };
}

export interface EventAcceptedBody {
  event_id: string;
  duplicate: boolean;
  status: 'accepted';
}

/**
 * JSON to domain, as EVENT_ENVELOPE parsed it. Like protobuf decoding on gRPC, the schema checks
 * only the envelope's shape (strings where strings go, RFC 3339 times); what the values mean — the
 * type, the version, the payload against the catalog, ids — is EventBus's to check, with the same
 * codes on every transport (`events.unknown_type`, `events.invalid_payload`, ...).
 */
export function fromEventEnvelope(body: EventEnvelopeBody): PublishEventInput {
  const meta = body.metadata ?? {};
  return {
    eventType: body.event_type,
    eventVersion: body.event_version ?? null,
    eventId: meta.event_id ?? null,
    occurredAt: meta.timestamp ?? null,
    source: meta.source_service ?? null,
    deliverAt: meta.deliver_at ?? null,
    data: body.data,
  };
}

export function toEventAccepted(r: PublishResult): EventAcceptedBody {
  return { event_id: r.eventId, duplicate: r.duplicate, status: 'accepted' };
}

export const EVENT_ENVELOPE = defineCommand<EventEnvelopeBody>('publishEvent', {
  type: 'object',
  required: ['event_type'],
  properties: {
    event_type: { type: 'string', description: `A type of the event catalog (${EVENT_TYPES.join(', ')}); another is 422 events.unknown_type.` },
    event_version: { type: 'string', description: 'Default "1"; one the catalog lacks is 422 events.unknown_version.' },
    data: { description: 'Required: the payload, a JSON object checked against the catalog\'s schema for the type and version (422 events.invalid_payload).' },
    metadata: {
      type: 'object',
      properties: {
        event_id: { type: 'string', description: 'The deduplication key (at most 200 of A-Z a-z 0-9 . _ : - /); absent: one is generated.' },
        timestamp: { type: 'string', format: 'date-time' },
        source_service: { type: 'string' },
        deliver_at: { type: 'string', format: 'date-time', description: 'Schedule: its notifications are not sent before this time (in the future, at most MAX_SCHEDULE_DAYS ahead); absent: now. An empty string is not absent: it is refused.' },
      },
      // Open: publishers add their own metadata (a correlation id, a tenant); kept out of the payload.
      additionalProperties: true,
    },
  },
  // Closed: a misspelt top-level field (`meta_data`, `evnt_version`) would drop what it carried.
  additionalProperties: false,
  examples: [
    {
      event_type: 'user.created',
      data: { user_id: 'u123', email: 'student@vas.edu.vn', full_name: 'Nguyễn Văn A' },
      metadata: { event_id: 'evt-xyz123', timestamp: '2025-06-05T09:00:00Z', source_service: 'user-service.master' },
    },
  ],
});

export const EVENT_ACCEPTED_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['event_id', 'duplicate', 'status'],
  properties: { event_id: { type: 'string' }, duplicate: { type: 'boolean' }, status: { const: 'accepted' } },
};
