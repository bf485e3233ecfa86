import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { defaultPriorityOf, EVENT_TYPES, isEventType } from './event-catalog.js';
import { EventPriorityRepository } from './event-priority.repository.js';
import { PRIORITY_RANK, priorityOfRank, type EventPriority } from './events.types.js';

/** One event type's priority as an admin sees it. */
export interface EventTypePriority {
  eventType: string;
  priority: EventPriority;
  /** What it is when no admin sets it (the catalog's). */
  defaultPriority: EventPriority;
  /** Set by an admin (null: the default applies). */
  updatedBy: string | null;
  updatedAt: Date | null;
}

const PRIORITIES: readonly EventPriority[] = ['high', 'normal'];

/**
 * Delivery priority per event type: the catalog's default (high for the transactional types,
 * defaultPriorityOf) unless an admin set another. Applies to events written to the outbox after
 * the change; an event keeps the priority it was written with, and so do its records.
 */
@Injectable()
export class EventPriorities {
  constructor(private readonly stored: EventPriorityRepository) {}

  /** Every catalog type, in catalog order. */
  async list(): Promise<EventTypePriority[]> {
    const chosen = new Map((await this.stored.list()).map((p) => [p.eventType, p]));
    return EVENT_TYPES.map((type) => view(type, chosen.get(type)));
  }

  /** Sets a type's priority; null returns it to the default. events.unknown_type for a type the catalog lacks. */
  async set(eventType: string, priority: string | null, updatedBy: string | null): Promise<EventTypePriority> {
    if (!isEventType(eventType)) {
      throw new AppError('events.unknown_type', `eventType: unknown event type "${eventType.slice(0, 100)}"; known: ${EVENT_TYPES.join(', ')}`, { field: 'eventType', known: EVENT_TYPES });
    }
    if (priority !== null && !PRIORITIES.includes(priority as EventPriority)) throw AppError.invalidField('priority', `must be one of ${PRIORITIES.join(', ')}, or null for the default`);
    if (priority === null) await this.stored.clear(eventType);
    else await this.stored.set(eventType, PRIORITY_RANK[priority as EventPriority], updatedBy);
    return (await this.list()).find((p) => p.eventType === eventType)!;
  }
}

function view(type: string, chosen: { rank: number; updatedBy: string | null; updatedAt: Date } | undefined): EventTypePriority {
  const defaultPriority = defaultPriorityOf(type);
  return {
    eventType: type,
    priority: chosen ? priorityOfRank(chosen.rank) : defaultPriority,
    defaultPriority,
    updatedBy: chosen?.updatedBy ?? null,
    updatedAt: chosen?.updatedAt ?? null,
  };
}
