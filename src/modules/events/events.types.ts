import type { EntityManager } from 'typeorm';

/**
 * An event as a publisher hands it in (any transport). `data` is the payload object; `dataJson`
 * its JSON text, as gRPC carries it (exactly one of the two).
 */
export interface PublishEventInput {
  eventId?: string | null;
  eventType: string;
  eventVersion?: string | null;
  source?: string | null;
  /** RFC 3339 text or a Date; absent: now. */
  occurredAt?: string | Date | null;
  data?: unknown;
  dataJson?: string | null;
  /** RFC 3339 text or a Date: its notifications are not sent before then; absent: now. */
  deliverAt?: string | Date | null;
}

/** An accepted event: validated against the catalog, with every default filled in. */
export interface EventEnvelope {
  eventId: string;
  eventType: string;
  eventVersion: string;
  occurredAt: Date;
  source: string | null;
  data: Record<string, unknown>;
  /** The trace id of the call that published it, carried into its notifications' logs. */
  traceId: string | null;
  /** A scheduled event: its notifications are not sent before this time (absent or null: now). */
  deliverAt?: Date | null;
  /**
   * How its notifications are claimed (event-priorities.service.ts), fixed when it was written to
   * the outbox; set on events the relay hands out, absent before they are written.
   */
  priority?: EventPriority;
}

/**
 * `high` work (transactional: a password reset, a paid order) is claimed ahead of `normal` (bulk),
 * by the relay and by the dispatcher, with a share kept for bulk (src/common/fair-lanes.ts).
 */
export type EventPriority = 'high' | 'normal';

/** How a priority is stored (outbox_events.priority, notification_records.priority, event_priorities.priority). */
export const PRIORITY_RANK: { readonly [P in EventPriority]: number } = { high: 1, normal: 0 };

export function priorityOfRank(rank: number): EventPriority {
  return rank > 0 ? 'high' : 'normal';
}

export interface PublishResult {
  eventId: string;
  /** True when an event with this id was already in the outbox: nothing new was written. */
  duplicate: boolean;
}

/**
 * What an outbox subscriber gets besides the events: the relay's transaction (write in it, so the
 * outbox row is marked processed together with what the subscriber wrote) and a way to run
 * something once that transaction has committed (wake a dispatcher).
 */
export interface RelayTransaction {
  manager: EntityManager;
  afterCommit(callback: () => void): void;
}

/**
 * A consumer of the outbox, called by the relay with a batch of validated events inside its
 * transaction. Must be idempotent: an event whose batch failed is handed in again.
 */
export interface OutboxSubscriber {
  readonly name: string;
  handle(events: EventEnvelope[], tx: RelayTransaction): Promise<void>;
}
