import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppError, type Violation } from '../../../common/errors/app-error.js';
import { InProcessEmitter } from '../../../common/in-process-events.js';
import { isJsonObject, kindOf, isUuid } from '../../../common/validation/validators.js';
import { Clock } from '../../../common/clock.js';
import { IdGenerator } from '../../../common/id-generator.js';
import { scheduledTime } from '../../../common/schedule-time.js';
import { currentContext } from '../../../common/logging/request-context.js';
import { APP_CONFIG } from '../../../common/tokens.js';
import type { AppConfig } from '../../../config/app-config.js';
import type { NotifierSummary } from '../../integration/integration.types.js';
import { NotifierDirectory } from '../../integration/notifier-directory.service.js';
import { NOTIFIER_CHANNELS, isNotifierChannel, type NotifierChannel } from '../../plugins/plugin-contract.js';
import { dedupKey, newRecord } from '../records/new-record.js';
import { NotificationRecordRepository } from '../records/notification-record.repository.js';
import { TemplateService } from '../templates/template.service.js';

/** A templated send as a transport hands it over (seed 002's POST /send body), unchecked. */
export interface TemplateSendInput {
  templateId?: unknown;
  recipient?: unknown;
  channel?: unknown;
  params?: unknown;
  /** RFC 3339: deliver no earlier than this; absent: now. */
  sendAt?: unknown;
  /** The Idempotency-Key header: the same key from the same caller queues one notification. */
  idempotencyKey?: unknown;
}

/** Seed 002's 202 answer: the record is stored and queued for the dispatcher. */
export interface TemplateSendResult {
  status: 'queued';
  notificationId: string;
  /** The notifier interface chosen for the channel. */
  channelId: string;
  /** When it is scheduled for; null: now. */
  sendAt: Date | null;
}

export const TEMPLATE_SEND_LIMITS = { recipient: 320 } as const;
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,100}$/;
/** What an email recipient must look like (one address; the notifier checks it further). */
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * Seed 002's manual send (`POST /send`, GraphQL `sendTemplate`): renders a stored template with
 * the caller's params and queues one notification record on an enabled notifier of the requested
 * channel type — the same records, dispatcher and retry schedule as event-triggered ones; there is
 * no second delivery path. Unlike seed 000's SendNotification it does not wait for the first
 * attempt: the answer is `queued` with the record's id, whose status `GET /notifications/{id}`
 * reads. Everything that can be known before queueing is refused before queueing: a bad field,
 * an unknown template, a missing param, a channel no enabled notifier serves
 * (`notif.channel_unavailable`) — so a 202 is never a record queued for nobody. With `send_at`
 * the record waits `queued` with next_attempt_at = send_at, and the dispatcher's due
 * scan sends it then, like a retry that fell due.
 */
@Injectable()
export class TemplateSendService {
  constructor(
    private readonly templates: TemplateService,
    private readonly directory: NotifierDirectory,
    private readonly records: NotificationRecordRepository,
    private readonly emitter: InProcessEmitter,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * `callerSub` scopes an idempotency key: the same key from the same caller is the same send (the
   * first one's answer again, nothing new queued); with other fields it is
   * `notif.idempotency_key_reused`; from another caller it is another send. The record belongs
   * to `callerSub` (senderSub): only they and admins may read or cancel it.
   */
  async send(input: TemplateSendInput, callerSub: string): Promise<TemplateSendResult> {
    const request = validate(input);
    const sendAt = scheduledTime(input.sendAt, this.clock.now(), this.config.delivery.maxScheduleDays, 'send_at');
    const idempotency = idempotencyOf(input.idempotencyKey, callerSub, request, sendAt);
    if (idempotency) {
      const earlier = await this.replayed(idempotency);
      if (earlier) return earlier;
    }
    const template = await this.templates.get(request.templateId);
    const channel = request.channel ?? template.type;
    if (channel !== template.type) {
      throw AppError.invalidField('channel', `template ${template.name} is a ${template.type} template; it cannot be sent by ${channel}`);
    }
    if (channel === 'email' && request.recipient !== null && !EMAIL.test(request.recipient)) {
      throw AppError.invalidField('recipient', 'must be an email address for the email channel');
    }
    const rendered = this.templates.render(template, request.params);
    const notifier = pickNotifier(await this.directory.enabled(), channel);
    if (!notifier) {
      throw new AppError('notif.channel_unavailable', `No enabled notifier serves the ${channel} channel; nothing was queued`, { channel });
    }
    const id = this.ids.uuid();
    const eventId = idempotency ? idempotency.eventId : `manual:${id}`;
    const record = newRecord(
      id,
      {
        eventId,
        eventType: template.triggerEvent ?? 'manual',
        notifier,
        recipient: request.recipient,
        title: rendered.title,
        body: rendered.body,
        data: request.params,
        metadata: { source: 'manual', template_name: template.name, ...(idempotency ? { request_hash: idempotency.requestHash } : {}) },
        language: template.language,
        templateId: rendered.templateId,
        templateVersion: rendered.templateVersion,
        notBefore: sendAt,
        occurredAt: this.clock.now(),
        traceId: currentContext()?.traceId ?? null,
        // A direct send: someone asked for this one message, now (docs/delivery.md, Priority).
        priority: 'high',
        senderSub: callerSub,
        dedupKey: idempotency?.dedupKey,
      },
      this.config.delivery,
    );
    const inserted = await this.records.insert([record]);
    // The same key raced in at the same moment: the other call's record is the answer.
    if (inserted === 0 && idempotency) {
      const earlier = await this.replayed(idempotency);
      if (earlier) return earlier;
    }
    if (!sendAt) this.emitter.emit('notification.records_queued');
    return { status: 'queued', notificationId: id, channelId: notifier.id, sendAt };
  }

  /** The earlier send of this idempotency key, if there is one and it asked for the same. */
  private async replayed(idempotency: Idempotency): Promise<TemplateSendResult | null> {
    const earlier = await this.records.findByDedupKey(idempotency.dedupKey);
    if (!earlier) return null;
    if (earlier.metadata.request_hash !== idempotency.requestHash) {
      throw new AppError('notif.idempotency_key_reused', `Idempotency-Key ${idempotency.key} was used for another send (notification ${earlier.id}); use a new key for a new notification`, {
        notification_id: earlier.id,
      });
    }
    return { status: 'queued', notificationId: earlier.id, channelId: earlier.interfaceId, sendAt: idempotency.sendAt };
  }
}

interface Idempotency {
  key: string;
  eventId: string;
  dedupKey: string;
  /** What was asked, so a reused key with other fields is told apart from a retry. */
  requestHash: string;
  sendAt: Date | null;
}

function idempotencyOf(value: unknown, callerSub: string, request: TemplateSendRequest, sendAt: Date | null): Idempotency | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) throw AppError.invalidField('idempotency-key', 'must be 1 to 100 of A-Z a-z 0-9 . _ : -');
  const scope = createHash('sha256').update(`${callerSub}\u0000${value}`).digest('hex').slice(0, 32);
  const eventId = `manual:idempotency:${scope}`;
  const requestHash = createHash('sha256')
    .update(JSON.stringify([request.templateId, request.recipient, request.channel, request.params, sendAt?.toISOString() ?? null]))
    .digest('hex')
    .slice(0, 32);
  return { key: value, eventId, dedupKey: dedupKey(eventId, 'idempotency', null), requestHash, sendAt };
}

/**
 * The notifier a channel type is sent through when several are enabled: a healthy one before an
 * unhealthy one, then by name and id, so the choice is stable between calls.
 */
function pickNotifier(enabled: NotifierSummary[], channel: NotifierChannel): NotifierSummary | null {
  const candidates = enabled.filter((n) => n.channel === channel);
  candidates.sort((a, b) => Number(b.isHealthy) - Number(a.isHealthy) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return candidates[0] ?? null;
}

interface TemplateSendRequest {
  templateId: string;
  recipient: string | null;
  channel: NotifierChannel | null;
  params: Record<string, unknown>;
}

function validate(input: TemplateSendInput): TemplateSendRequest {
  const violations: Violation[] = [];
  let templateId = '';
  if (input.templateId === undefined || input.templateId === null || input.templateId === '') violations.push({ field: 'template_id', message: 'is required' });
  else if (typeof input.templateId !== 'string') violations.push({ field: 'template_id', message: `must be a string, got ${kindOf(input.templateId)}` });
  else if (!isUuid(input.templateId)) violations.push({ field: 'template_id', message: `must be a template id (a UUID), got "${input.templateId.slice(0, 64)}"` });
  else templateId = input.templateId.toLowerCase();

  let channel: NotifierChannel | null = null;
  if (input.channel !== undefined && input.channel !== null && input.channel !== '') {
    if (isNotifierChannel(input.channel)) channel = input.channel;
    else violations.push({ field: 'channel', message: `must be one of ${NOTIFIER_CHANNELS.join(', ')}, got ${typeof input.channel === 'string' ? `"${input.channel.slice(0, 64)}"` : kindOf(input.channel)}` });
  }

  let recipient: string | null = null;
  if (input.recipient !== undefined && input.recipient !== null && input.recipient !== '') {
    if (typeof input.recipient !== 'string') violations.push({ field: 'recipient', message: `must be a string, got ${kindOf(input.recipient)}` });
    else if ([...input.recipient].length > TEMPLATE_SEND_LIMITS.recipient) violations.push({ field: 'recipient', message: `must be at most ${TEMPLATE_SEND_LIMITS.recipient} characters` });
    else if (input.recipient.trim() !== input.recipient || input.recipient.trim() === '') violations.push({ field: 'recipient', message: 'must not be blank or have surrounding spaces' });
    else recipient = input.recipient;
  }

  let params: Record<string, unknown> = {};
  if (input.params !== undefined && input.params !== null) {
    if (isJsonObject(input.params)) params = input.params;
    else violations.push({ field: 'params', message: `must be a JSON object of template parameters, got ${kindOf(input.params)}` });
  }
  if (violations.length > 0) throw AppError.validation(violations);
  return { templateId, recipient, channel, params };
}
