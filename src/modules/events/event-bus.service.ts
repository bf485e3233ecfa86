import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { AppError } from '../../common/errors/app-error.js';
import { IdGenerator } from '../../common/id-generator.js';
import { InProcessEmitter } from '../../common/in-process-events.js';
import { currentTraceId } from '../../common/logging/request-context.js';
import { EventValidator } from './event-validator.js';
import type { PublishEventInput, PublishResult } from './events.types.js';
import { OutboxRepository } from './outbox.repository.js';

/** PublishEvents takes at most this many events per call. */
export const MAX_BATCH_EVENTS = 1_000;

/**
 * The outbox writer: publish() and publishMany() write outbox rows, in the caller's transaction
 * when one is given, so a domain change and its event commit together or not at all; nothing is
 * sent from here (the relay reads the rows). Each event is first validated against the catalog
 * (nothing is written when one fails). Publishing an event_id that is already in the
 * outbox writes nothing and answers `duplicate: true`. The relay is woken at commit: by NOTIFY
 * (every replica) and, when this call owns the write, in-process at once; a caller that passes its
 * transaction emits `outbox.written` itself once it has committed (see events.events.ts).
 *
 * Deliberately not here: planning notifications (the relay hands events to the notification
 * module) and any knowledge of transports.
 */
@Injectable()
export class EventBus {
  constructor(
    private readonly validator: EventValidator,
    private readonly outbox: OutboxRepository,
    private readonly emitter: InProcessEmitter,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async publish(input: PublishEventInput, manager?: EntityManager): Promise<PublishResult> {
    const [result] = await this.write([input], manager, '');
    return result;
  }

  /** Up to MAX_BATCH_EVENTS events, all or none: one invalid event refuses the batch, naming it (`events[3].data.amount`). */
  async publishMany(inputs: PublishEventInput[], manager?: EntityManager): Promise<PublishResult[]> {
    if (inputs.length === 0) throw AppError.invalidField('events', 'must contain at least one event');
    if (inputs.length > MAX_BATCH_EVENTS) throw AppError.invalidField('events', `must contain at most ${MAX_BATCH_EVENTS} events, got ${inputs.length}`);
    return this.write(inputs, manager, 'events');
  }

  private async write(inputs: PublishEventInput[], manager: EntityManager | undefined, field: string): Promise<PublishResult[]> {
    const now = this.clock.now();
    const traceId = currentTraceId() || null;
    const rows = inputs.map((input, i) => {
      const envelope = this.validator.prepare(input, now, traceId, field ? `${field}[${i}]` : '');
      return { ...envelope, id: this.ids.uuid(), eventId: envelope.eventIdGiven ? envelope.eventId : this.ids.uuid() };
    });
    const inserted = await this.outbox.insert(rows, manager);
    // An id repeated inside one batch is written once: the first is new, the others duplicates.
    const seen = new Set<string>();
    const results = rows.map((row) => {
      const duplicate = !inserted.has(row.eventId) || seen.has(row.eventId);
      seen.add(row.eventId);
      return { eventId: row.eventId, duplicate };
    });
    if (!manager && inserted.size > 0) this.emitter.emit('outbox.written');
    return results;
  }
}
