import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppError } from '../../../common/errors/app-error.js';
import { catalogEntry } from '../../events/event-catalog.js';
import type { EventEnvelope } from '../../events/events.types.js';
import type { NotifierChannel } from '../../plugins/plugin-contract.js';
import { TemplateService } from '../templates/template.service.js';

export interface ComposedMessage {
  title: string;
  body: string;
  templateId: string | null;
  templateVersion: number | null;
  /**
   * Set when the event's template could not be rendered with its data (a printed param the
   * payload lacks): the record is stored `skipped` with this code and message, never silently
   * sent with the default text nor dropped.
   */
  failure?: { code: 'template_param_missing' | 'template_too_large'; message: string };
}

/**
 * The title and body of an event's notification on one channel type, in the event's language:
 * the template for (event type, channel type, language) — with language fallback, see
 * TemplateService.forEvent — rendered with `params = data`; the catalog's default message when
 * no template exists. `prepare()` brings the templates up to date once per batch, in the batch's
 * transaction (compose itself is synchronous and reads memory only).
 */
@Injectable()
export class MessageComposer {
  constructor(private readonly templates: TemplateService) {}

  prepare(tx: EntityManager): Promise<void> {
    return this.templates.refresh(tx);
  }

  compose(event: EventEnvelope, channel: NotifierChannel, language: string | null): ComposedMessage {
    const template = this.templates.forEvent(event.eventType, channel, language);
    if (template) {
      try {
        return this.templates.render(template, event.data);
      } catch (err) {
        if (!(err instanceof AppError) || (err.code !== 'notif.template_param_missing' && err.code !== 'notif.template_too_large')) throw err;
        return {
          ...defaultMessage(event),
          templateId: template.id,
          templateVersion: template.version,
          failure: { code: err.code === 'notif.template_too_large' ? 'template_too_large' : 'template_param_missing', message: `${event.eventType}: ${err.message}` },
        };
      }
    }
    return { ...defaultMessage(event), templateId: null, templateVersion: null };
  }
}

function defaultMessage(event: EventEnvelope): { title: string; body: string } {
  const entry = catalogEntry(event.eventType, event.eventVersion);
  return entry ? entry.defaultMessage(event.data) : { title: event.eventType, body: JSON.stringify(event.data) };
}
