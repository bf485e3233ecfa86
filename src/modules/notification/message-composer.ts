import { Injectable } from '@nestjs/common';
import { catalogEntry } from '../events/event-catalog.js';
import type { EventEnvelope } from '../events/events.types.js';
import type { NotifierChannel } from '../plugins/plugin-contract.js';

export interface ComposedMessage {
  title: string;
  body: string;
  templateId: string | null;
  templateVersion: number | null;
}

/**
 * The title and body of an event's notification on one channel type, in the event's language.
 * The seam for templates (the notification-API issue): a template for (trigger_event, channel
 * type, language) will be rendered here with `params = data`; until then, and whenever none
 * exists, the catalog's default message for the event type.
 */
@Injectable()
export class MessageComposer {
  compose(event: EventEnvelope, _channel: NotifierChannel, _language: string | null): ComposedMessage {
    const entry = catalogEntry(event.eventType, event.eventVersion);
    const message = entry ? entry.defaultMessage(event.data) : { title: event.eventType, body: JSON.stringify(event.data) };
    return { ...message, templateId: null, templateVersion: null };
  }
}
