import { AppError, type Violation } from '../../../common/errors/app-error.js';
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
export function fromEventEnvelope(body: unknown): PublishEventInput {
  // No parsed body: not sent as application/json (malformed JSON never gets here: the body parser answers 400).
  if (body === undefined) throw new AppError('common.malformed_request', 'Request body must be a JSON object sent with content-type: application/json');
  if (!isObject(body)) throw AppError.invalidField('body', `must be a JSON object (the seed-002 event envelope), got ${kindOf(body)}`);

  const violations: Violation[] = [];
  const text = (value: unknown, field: string): string | null => {
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') return value;
    violations.push({ field, message: `must be a string, got ${kindOf(value)}` });
    return null;
  };
  const metadata = body.metadata ?? {};
  if (!isObject(metadata)) violations.push({ field: 'metadata', message: `must be an object, got ${kindOf(metadata)}` });
  const meta = isObject(metadata) ? metadata : {};
  const input: PublishEventInput = {
    eventType: text(body.event_type, 'event_type') ?? '',
    eventVersion: text(body.event_version, 'event_version'),
    eventId: text(meta.event_id, 'metadata.event_id'),
    occurredAt: text(meta.timestamp, 'metadata.timestamp'),
    source: text(meta.source_service, 'metadata.source_service'),
    data: body.data,
  };
  if (violations.length > 0) throw AppError.validation(violations);
  return input;
}

export function toEventAccepted(r: PublishResult): EventAcceptedBody {
  return { event_id: r.eventId, duplicate: r.duplicate, status: 'accepted' };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
