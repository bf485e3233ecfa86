import type { PublishEventInput, PublishResult } from '../events.types.js';

/** switchboard.events.v1.PublishEventRequest as proto-loader decodes it (keepCase, defaults: every field present). */
export interface PublishEventRequestMessage {
  event_id: string;
  event_type: string;
  event_version: string;
  source: string;
  occurred_at: string;
  deliver_at: string;
  data_json: string;
}

export interface PublishEventResponseMessage {
  event_id: string;
  duplicate: boolean;
}

/**
 * Wire to domain, nothing more: proto3 has no "unset" for strings, so an empty field is handed on
 * as absent and EventBus applies the defaults the proto documents (a server-assigned id, version
 * "1", now) and every check.
 */
export function fromPublishEventRequest(m: PublishEventRequestMessage): PublishEventInput {
  return {
    eventId: m.event_id || null,
    eventType: m.event_type ?? '',
    eventVersion: m.event_version || null,
    source: m.source || null,
    occurredAt: m.occurred_at || null,
    dataJson: m.data_json || null,
    deliverAt: m.deliver_at || null,
  };
}

export function toPublishEventResponse(r: PublishResult): PublishEventResponseMessage {
  return { event_id: r.eventId, duplicate: r.duplicate };
}
