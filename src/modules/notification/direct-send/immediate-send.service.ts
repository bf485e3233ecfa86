import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../../common/clock.js';
import { currentContext } from '../../../common/logging/request-context.js';
import { AppError, type Violation } from '../../../common/errors/app-error.js';
import { IdGenerator } from '../../../common/id-generator.js';
import { APP_CONFIG } from '../../../common/tokens.js';
import type { AppConfig } from '../../../config/app-config.js';
import type { NotifierSummary } from '../../integration/integration.types.js';
import { NotifierDirectory } from '../../integration/notifier-directory.service.js';
import { Dispatcher } from '../dispatch/dispatcher.service.js';
import { newRecord } from '../records/new-record.js';
import { NotificationRecordRepository, type NewRecord } from '../records/notification-record.repository.js';
import type { NotificationRecord } from '../notification.types.js';
import { isUuid } from '../../../common/validation/validators.js';

/** An immediate send as a transport hands it over (seed 000's SendNotificationRequest), unchecked. */
export interface ImmediateSendInput {
  eventType?: unknown;
  title?: unknown;
  body?: unknown;
  recipient?: unknown;
  metadata?: unknown;
  channelIds?: unknown;
}

/** Seed 000's NotificationResult. */
export interface ImmediateSendResult {
  channelId: string;
  success: boolean;
  errorMessage: string;
}

/** An enabled notifier as ListNotifiers answers it. */
export type NotifierInfo = Pick<NotifierSummary, 'id' | 'name' | 'channel' | 'supportedEvents' | 'isHealthy'>;

export const IMMEDIATE_SEND_LIMITS = { eventType: 100, title: 500, bodyBytes: 64 * 1024, recipient: 320, metadataEntries: 50, metadataKey: 200, metadataValue: 4_096, channelIds: 200 } as const;
/** Waited on top of PLUGIN_TIMEOUT_MS for the first attempt (claiming, storing the outcome). */
const ANSWER_MARGIN_MS = 2_000;

/**
 * Seed 000's NotificationService: the enabled notifiers, and an immediate send: a title and body
 * the caller gives, delivered now (TemplateSendService, by contrast, renders a stored template and
 * only queues its record). An immediate send creates notification_records like the planner does
 * (event id `manual:<uuid v7>`, one record per channel) and has the Dispatcher deliver exactly
 * those records now (Dispatcher.sendNow: the same claim, deliver() and retry schedule as every
 * other record), then answers with each channel's first attempt. A channel that cannot be used (not a UUID, unknown,
 * disabled, not a notifier) is a result with success=false, never a failure of the whole call.
 */
@Injectable()
export class ImmediateSendService {
  constructor(
    private readonly directory: NotifierDirectory,
    private readonly records: NotificationRecordRepository,
    private readonly dispatcher: Dispatcher,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async notifiers(): Promise<NotifierInfo[]> {
    return (await this.directory.enabled()).map(({ id, name, channel, supportedEvents, isHealthy }) => ({ id, name, channel, supportedEvents, isHealthy }));
  }

  async send(input: ImmediateSendInput): Promise<ImmediateSendResult[]> {
    const request = validate(input);
    const enabled = new Map((await this.directory.enabled()).map((n) => [n.id, n]));
    const requested = request.channelIds.length > 0 ? [...new Set(request.channelIds.map((id) => (isUuid(id) ? id.toLowerCase() : id)))] : [...enabled.keys()];
    const refused = new Map<string, string>();
    const unknown = requested.filter((id) => isUuid(id) && !enabled.has(id));
    const batch = unknown.length > 0 ? await this.directory.batch(unknown) : null;
    for (const id of requested) {
      if (!isUuid(id)) refused.set(id, `channel_id "${id.slice(0, 64)}" is not a UUID`);
      else if (!enabled.has(id)) {
        const state = batch!.target(id).state;
        refused.set(
          id,
          state === 'disabled'
            ? `notifier interface ${id} is disabled`
            : state === 'not_notifier'
              ? `interface ${id} is not a notifier`
              : state === 'ready'
                ? `notifier interface ${id} cannot say its channel or events (its plugin fails); nothing was sent`
                : `no notifier interface ${id}`,
        );
      }
    }
    const eventId = `manual:${this.ids.uuid()}`;
    const occurredAt = this.clock.now();
    const traceId = currentContext()?.traceId ?? null;
    const rows: NewRecord[] = requested
      .filter((id) => !refused.has(id))
      .map((id) =>
        newRecord(
          this.ids.uuid(),
          {
            eventId,
            eventType: request.eventType,
            notifier: enabled.get(id)!,
            recipient: request.recipient,
            title: request.title,
            body: request.body,
            metadata: request.metadata,
            occurredAt,
            traceId,
            // A direct send: someone asked for this one message, now (docs/delivery.md, Priority).
            priority: 'high',
          },
          this.config.delivery,
        ),
      );
    await this.records.insert(rows);
    const timeoutMs = this.config.plugins.timeoutMs + ANSWER_MARGIN_MS;
    const done = new Map((await this.dispatcher.sendNow(rows.map((r) => r.id), timeoutMs)).map((r) => [r.interfaceId, r]));
    return requested.map((channelId) => {
      const why = refused.get(channelId);
      if (why) return { channelId, success: false, errorMessage: why };
      const record = done.get(channelId);
      return record ? resultOf(channelId, record, timeoutMs) : { channelId, success: false, errorMessage: 'the notification record disappeared before it was sent' };
    });
  }
}

function resultOf(channelId: string, record: NotificationRecord, timeoutMs: number): ImmediateSendResult {
  const error = record.lastErrorMessage ?? record.lastErrorCode ?? 'unknown error';
  switch (record.status) {
    case 'sent':
      return { channelId, success: true, errorMessage: '' };
    case 'failed':
      return { channelId, success: false, errorMessage: `temporary failure, will retry at ${record.nextAttemptAt.toISOString()}: ${error}` };
    case 'dead':
      return { channelId, success: false, errorMessage: error };
    case 'skipped':
      return { channelId, success: false, errorMessage: `skipped: ${error}` };
    case 'cancelled':
      return { channelId, success: false, errorMessage: `cancelled: ${error}` };
    case 'queued':
    case 'sending':
      return { channelId, success: false, errorMessage: `no outcome within ${timeoutMs} ms; notification ${record.id} is still ${record.status} and will be delivered by the dispatcher` };
  }
}

interface ImmediateSendRequest {
  eventType: string;
  title: string;
  body: string;
  recipient: string | null;
  metadata: Record<string, string>;
  channelIds: string[];
}

function validate(input: ImmediateSendInput): ImmediateSendRequest {
  const violations: Violation[] = [];
  const text = (value: unknown, field: string, required: boolean, max: number, bytes = false): string => {
    if (value === undefined || value === null || value === '') {
      if (required) violations.push({ field, message: 'is required' });
      return '';
    }
    if (typeof value !== 'string') {
      violations.push({ field, message: 'must be a string' });
      return '';
    }
    const size = bytes ? Buffer.byteLength(value, 'utf8') : [...value].length;
    if (size > max) violations.push({ field, message: `must be at most ${max} ${bytes ? 'bytes' : 'characters'}, got ${size}` });
    return value;
  };
  const eventType = text(input.eventType, 'event_type', true, IMMEDIATE_SEND_LIMITS.eventType);
  if (eventType !== '' && eventType.trim() === '') violations.push({ field: 'event_type', message: 'must not be blank' });
  const title = text(input.title, 'title', true, IMMEDIATE_SEND_LIMITS.title);
  if (title !== '' && title.trim() === '') violations.push({ field: 'title', message: 'must not be blank' });
  const body = text(input.body, 'body', false, IMMEDIATE_SEND_LIMITS.bodyBytes, true);
  const recipient = text(input.recipient, 'recipient', false, IMMEDIATE_SEND_LIMITS.recipient);
  const kept: [string, string][] = [];
  if (input.metadata !== undefined && input.metadata !== null) {
    if (typeof input.metadata !== 'object' || Array.isArray(input.metadata)) violations.push({ field: 'metadata', message: 'must be a map of strings' });
    else {
      const entries = Object.entries(input.metadata as Record<string, unknown>);
      if (entries.length > IMMEDIATE_SEND_LIMITS.metadataEntries) violations.push({ field: 'metadata', message: `must have at most ${IMMEDIATE_SEND_LIMITS.metadataEntries} entries, got ${entries.length}` });
      else {
        for (const [key, value] of entries) {
          if (typeof value !== 'string') violations.push({ field: `metadata.${key.slice(0, 64)}`, message: 'must be a string' });
          else if (key.length > IMMEDIATE_SEND_LIMITS.metadataKey || value.length > IMMEDIATE_SEND_LIMITS.metadataValue) {
            violations.push({ field: `metadata.${key.slice(0, 64)}`, message: `key at most ${IMMEDIATE_SEND_LIMITS.metadataKey} and value at most ${IMMEDIATE_SEND_LIMITS.metadataValue} characters` });
          } else kept.push([key, value]);
        }
      }
    }
  }
  let channelIds: string[] = [];
  if (input.channelIds !== undefined && input.channelIds !== null) {
    if (!Array.isArray(input.channelIds) || input.channelIds.some((id) => typeof id !== 'string')) violations.push({ field: 'channel_ids', message: 'must be a list of strings' });
    else if (input.channelIds.length > IMMEDIATE_SEND_LIMITS.channelIds) violations.push({ field: 'channel_ids', message: `must have at most ${IMMEDIATE_SEND_LIMITS.channelIds} entries` });
    else channelIds = input.channelIds as string[];
  }
  if (violations.length > 0) throw AppError.validation(violations);
  // fromEntries defines own properties, so a `__proto__` key is kept as data, not a prototype.
  const metadata = Object.fromEntries(kept);
  return { eventType, title, body, recipient: recipient === '' ? null : recipient, metadata, channelIds };
}
