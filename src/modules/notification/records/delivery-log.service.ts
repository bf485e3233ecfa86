import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { isAdmin, type Caller } from '../../../common/auth/caller.js';
import { AppError } from '../../../common/errors/app-error.js';
import { InProcessEmitter } from '../../../common/in-process-events.js';
import { inYearRange, MAX_YEAR, MIN_YEAR, parseRfc3339 } from '../../../common/schedule-time.js';
import { LOGGER, APP_CONFIG } from '../../../common/tokens.js';
import { requireUuid } from '../../../common/validation/validators.js';
import type { AppConfig } from '../../../config/app-config.js';
import { NOTIFIER_CHANNELS } from '../../plugins/plugin-contract.js';
import { decodeCursor, NotificationRecordRepository } from './notification-record.repository.js';
import {
  RECORD_STATUSES,
  REPLAYABLE_STATUSES,
  type NotificationAttempt,
  type NotificationRecord,
  type NotificationRecordDetail,
  type RecordFilter,
  type RecordFilterInput,
  type RecordPage,
  type RecordStatus,
  type RetriedRecords,
} from '../notification.types.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** retryNotifications replays at most this many records per call; call again for the rest. */
export const MAX_RETRY_BATCH = 1_000;
/** Longest list of values one filter field takes. */
const MAX_FILTER_VALUES = 100;
const MAX_CURSOR_CHARS = 200;
/** Column widths of notification_records (event_type, event_id). */
const MAX_EVENT_TYPE_CHARS = 100;
const MAX_EVENT_ID_CHARS = 200;

/**
 * The delivery log: notification records newest first with their attempts, and
 * replaying failed or dead ones. A replayed record goes back to `queued`, due now, with a fresh
 * budget of the configured delivery attempts (DELIVERY_RETRY_SCHEDULE's length + 1) on top of the
 * attempts it already made, so its history stays whole; the dispatcher is woken in-process
 * (`notification.records_queued`) and other replicas by the NOTIFY the requeue sends.
 *
 * Inputs arrive unchecked from the transports; every bad one is common.validation_failed naming
 * the field as GraphQL spells it (`filter.statuses`, `first`, `after`).
 *
 * Deliberately not here: sending (the dispatcher), replaying a sent or skipped record (that is a
 * new manual send, not a retry), deleting history.
 */
@Injectable()
export class DeliveryLogService {
  constructor(
    private readonly records: NotificationRecordRepository,
    private readonly emitter: InProcessEmitter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Records matching the filter, newest first; `after` is a previous page's nextCursor. */
  async list(filter: RecordFilterInput | null | undefined, first: unknown, after: unknown): Promise<RecordPage> {
    const checked = validFilter(filter ?? {});
    const limit = validPageSize(first);
    const cursor = validCursor(after);
    return this.records.list(checked, limit, cursor);
  }

  /**
   * One record with its attempts, as `caller` may see it: an admin any record, anyone else only
   * one they queued themselves (senderSub); a record of someone else's is notif.record_not_found,
   * the same answer as no record at all, so an id is no oracle of what exists.
   */
  async get(id: unknown, caller: Caller): Promise<NotificationRecordDetail> {
    const record = await this.find(requireUuid(id, 'id'), caller);
    return { ...record, attempts: await this.records.attemptsOf(record.id) };
  }

  /** The attempts of a record already read (a page of the log asking for them). */
  async attemptsOf(recordId: string): Promise<NotificationAttempt[]> {
    return this.records.attemptsOf(recordId);
  }

  /**
   * Cancels one record not sent yet (queued — scheduled or not — or failed and waiting for its
   * retry): it ends `cancelled` and is never sent. One already sending, sent or otherwise finished
   * is notif.record_not_cancellable. Only its sender or an admin may cancel it (anyone else:
   * notif.record_not_found), so a mandatory notification (a password reset an event planned) is
   * an admin's alone to cancel.
   */
  async cancel(id: unknown, caller: Caller): Promise<NotificationRecord> {
    const recordId = requireUuid(id, 'id');
    await this.find(recordId, caller);
    const cancelled = await this.records.cancel(recordId, 'cancelled before it was sent');
    if (cancelled) {
      this.logger.info({ recordId }, 'notification record cancelled');
      return cancelled;
    }
    const record = await this.find(recordId);
    throw new AppError(
      'notif.record_not_cancellable',
      record.status === 'sending'
        ? `Notification ${record.id} is being sent right now; it can no longer be cancelled`
        : `Notification ${record.id} is ${record.status}; only queued or failed (waiting for a retry) notifications can be cancelled`,
      { id: record.id, status: record.status },
    );
  }

  /** Replays one failed or dead record; anything else is notif.record_not_replayable. */
  async retry(id: unknown): Promise<NotificationRecord> {
    const recordId = requireUuid(id, 'id');
    const before = await this.find(recordId);
    if (!REPLAYABLE_STATUSES.includes(before.status)) throw notReplayable(before);
    const [requeued] = await this.records.requeue({ ids: [recordId] }, this.attemptBudget(), 1);
    // Between the read and the update a worker may have claimed it (a failed record fell due) or
    // another admin replayed it: say what it is now.
    if (!requeued) throw notReplayable(await this.find(recordId));
    this.emitter.emit('notification.records_queued');
    this.logger.info({ recordId, previousStatus: before.status, attempts: before.attemptCount }, 'notification record replayed');
    return this.find(recordId);
  }

  /**
   * Replays the failed and dead records matching the filter, oldest first, at most
   * MAX_RETRY_BATCH per call (fewer means none are left). `filter.statuses` narrows to failed or
   * dead; naming another status is a validation error rather than a silent no-op.
   */
  async retryMany(filter: RecordFilterInput | null | undefined): Promise<RetriedRecords> {
    const checked = validFilter(filter ?? {});
    const wrong = checked.statuses?.filter((s) => !REPLAYABLE_STATUSES.includes(s)) ?? [];
    if (wrong.length > 0) {
      throw AppError.invalidField('filter.statuses', `only ${REPLAYABLE_STATUSES.join(' and ')} records can be retried, got ${wrong.join(', ')}`);
    }
    const ids = await this.records.requeue(checked, this.attemptBudget(), MAX_RETRY_BATCH);
    if (ids.length > 0) {
      this.emitter.emit('notification.records_queued');
      this.logger.info({ count: ids.length }, 'notification records replayed');
    }
    return { count: ids.length, ids };
  }

  /** The attempts a replayed record gets, as many as a new record. */
  private attemptBudget(): number {
    return this.config.delivery.retryScheduleMs.length + 1;
  }

  /** The record `caller` may see (without a caller: an admin's internal read). */
  private async find(id: string, caller?: Caller): Promise<NotificationRecord> {
    const record = await this.records.findById(id);
    if (!record || (caller && !mayFollow(caller, record))) throw new AppError('notif.record_not_found', `No notification record with id ${id}`, { id });
    return record;
  }
}

/** Admins follow every record; anyone else the ones they queued. */
function mayFollow(caller: Caller, record: NotificationRecord): boolean {
  return isAdmin(caller) || (record.senderSub !== null && record.senderSub === caller.sub);
}

function notReplayable(record: NotificationRecord): AppError {
  return new AppError(
    'notif.record_not_replayable',
    `Notification record ${record.id} is ${record.status}: only ${REPLAYABLE_STATUSES.join(' and ')} records can be retried`,
    { id: record.id, status: record.status },
  );
}

function validFilter(input: RecordFilterInput): RecordFilter {
  if (typeof input !== 'object' || Array.isArray(input)) throw AppError.invalidField('filter', 'must be an object');
  const filter: RecordFilter = {};
  const statuses = stringList(input.statuses, 'filter.statuses', (v) => (RECORD_STATUSES as readonly string[]).includes(v), `one of ${RECORD_STATUSES.join(', ')}`);
  if (statuses) filter.statuses = statuses as RecordStatus[];
  const channels = stringList(input.channelTypes, 'filter.channelTypes', (v) => (NOTIFIER_CHANNELS as readonly string[]).includes(v), `one of ${NOTIFIER_CHANNELS.join(', ')}`);
  if (channels) filter.channelTypes = channels;
  const eventTypes = stringList(input.eventTypes, 'filter.eventTypes', (v) => v.length <= MAX_EVENT_TYPE_CHARS && isPrintable(v), `an event type of 1 to ${MAX_EVENT_TYPE_CHARS} printable characters`);
  if (eventTypes) filter.eventTypes = eventTypes;
  if (!absent(input.interfaceId)) filter.interfaceId = requireUuid(input.interfaceId, 'filter.interfaceId');
  if (!absent(input.eventId)) {
    const eventId = input.eventId;
    if (typeof eventId !== 'string' || eventId.length > MAX_EVENT_ID_CHARS || !isPrintable(eventId)) {
      throw AppError.invalidField('filter.eventId', `must be 1 to ${MAX_EVENT_ID_CHARS} printable characters`);
    }
    filter.eventId = eventId;
  }
  const after = instant(input.createdAfter, 'filter.createdAfter');
  const before = instant(input.createdBefore, 'filter.createdBefore');
  if (after && before && after.getTime() >= before.getTime()) {
    throw AppError.invalidField('filter.createdBefore', `must be later than filter.createdAfter (${after.toISOString()}), got ${before.toISOString()}`);
  }
  if (after) filter.createdAfter = after;
  if (before) filter.createdBefore = before;
  return filter;
}

/** A list of allowed strings, duplicates dropped; absent or empty means "any". */
function stringList(value: unknown, field: string, allowed: (v: string) => boolean, what: string): string[] | undefined {
  if (absent(value)) return undefined;
  if (!Array.isArray(value)) throw AppError.invalidField(field, 'must be a list of strings');
  if (value.length > MAX_FILTER_VALUES) throw AppError.invalidField(field, `must have at most ${MAX_FILTER_VALUES} values, got ${value.length}`);
  for (const v of value) {
    if (typeof v !== 'string' || v === '' || !allowed(v)) throw AppError.invalidField(field, `each value must be ${what}, got ${shown(v)}`);
  }
  return value.length === 0 ? undefined : [...new Set(value as string[])];
}

/** A Date (GraphQL's DateTime) or RFC 3339 text (other transports). */
function instant(value: unknown, field: string): Date | undefined {
  if (absent(value)) return undefined;
  if (value instanceof Date) {
    if (!inYearRange(value)) throw AppError.invalidField(field, `must be an RFC 3339 date-time in the years ${MIN_YEAR} to ${MAX_YEAR}, e.g. 2026-01-02T03:04:05Z`);
    return value;
  }
  const date = typeof value === 'string' ? parseRfc3339(value) : null;
  if (date) return date;
  throw AppError.invalidField(field, `must be an RFC 3339 date-time in the years ${MIN_YEAR} to ${MAX_YEAR}, e.g. 2026-01-02T03:04:05Z, got ${shown(value)}`);
}

function validPageSize(value: unknown): number {
  if (absent(value)) return DEFAULT_PAGE_SIZE;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw AppError.invalidField('first', `must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${shown(value)}`);
  }
  return value;
}

function validCursor(value: unknown): ReturnType<typeof decodeCursor> {
  if (absent(value)) return null;
  const cursor = typeof value === 'string' && value.length <= MAX_CURSOR_CHARS ? decodeCursor(value) : null;
  if (!cursor) throw AppError.invalidField('after', 'must be a nextCursor returned by notificationRecords');
  return cursor;
}

function absent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function isPrintable(value: string): boolean {
  return value.length > 0 && !/\p{Cc}/u.test(value);
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? typeof value);
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
