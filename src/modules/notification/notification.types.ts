import type { EventPriority } from '../events/events.types.js';

/** Seed 003's record states, and `cancelled` (cancelled by hand before it was sent). */
export const RECORD_STATUSES = ['queued', 'sending', 'sent', 'failed', 'dead', 'skipped', 'cancelled'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/** States a record can be cancelled from (cancelNotification): not sent yet and not being sent. */
export const CANCELLABLE_STATUSES: readonly RecordStatus[] = ['queued', 'failed'];

/** States a record can be replayed from (retryNotification). */
export const REPLAYABLE_STATUSES: readonly RecordStatus[] = ['failed', 'dead'];

/** Who an event is for, as stored with its records (webhook and chat channels get the list). */
export interface RecordRecipient {
  role: string;
  email?: string;
  phone?: string;
  userId?: string;
}

/** A notification record as callers see it (GraphQL delivery log, REST status). */
export interface NotificationRecord {
  id: string;
  eventId: string;
  eventType: string;
  interfaceId: string;
  channelType: string;
  pluginId: string;
  channelName: string;
  recipient: string | null;
  recipients: RecordRecipient[];
  /** The recipient's own webhook/chat target (from their settings), sent to instead of the notifier's default; null: the default. */
  target: string | null;
  /** That target's own signing secret (its owner's settings, when planned); never answered, never logged. */
  targetSecret: string | null;
  title: string;
  body: string;
  data: Record<string, unknown>;
  metadata: Record<string, string>;
  language: string | null;
  templateId: string | null;
  templateVersion: number | null;
  status: RecordStatus;
  attemptCount: number;
  maxAttempts: number;
  nextAttemptAt: Date;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  providerMessageId: string | null;
  occurredAt: Date;
  traceId: string | null;
  /** Who queued it by POST /send or scheduleNotification (the token's sub): only they and admins may read or cancel it; null: no owner but admins. */
  senderSub: string | null;
  /** Claimed ahead of bulk when high: its event's priority when planned; direct sends are high. */
  priority: EventPriority;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

export interface NotificationAttempt {
  id: string;
  recordId: string;
  attemptNo: number;
  workerId: string;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  outcome: string;
  errorCode: string | null;
  errorMessage: string | null;
  retryAfterSeconds: number | null;
  requestPayload: unknown;
  responsePayload: unknown;
}

/** Delivery-log filter (every field optional; all given ones must match). */
export interface RecordFilter {
  statuses?: RecordStatus[];
  channelTypes?: string[];
  interfaceId?: string;
  eventTypes?: string[];
  eventId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

export interface RecordPage {
  records: NotificationRecord[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** A record with every attempt made to send it, oldest first (the delivery log's detail view). */
export interface NotificationRecordDetail extends NotificationRecord {
  attempts: NotificationAttempt[];
}

/**
 * A delivery-log filter as a transport hands it over, unchecked: DeliveryLogService validates
 * each field and names the offending one (`filter.statuses`). Times are Dates or RFC 3339 text.
 */
export interface RecordFilterInput {
  statuses?: unknown;
  channelTypes?: unknown;
  eventTypes?: unknown;
  interfaceId?: unknown;
  eventId?: unknown;
  createdAfter?: unknown;
  createdBefore?: unknown;
}

/** What one retryNotifications call put back in the queue. */
export interface RetriedRecords {
  count: number;
  ids: string[];
}
