import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { APP_CONFIG } from '../../common/tokens.js';
import { IdGenerator } from '../../common/id-generator.js';
import type { AppConfig } from '../../config/app-config.js';
import { catalogEntry, type EventRecipient } from '../events/event-catalog.js';
import type { EventEnvelope, OutboxSubscriber, RelayTransaction } from '../events/events.types.js';
import { OutboxRelay } from '../events/outbox-relay.service.js';
import type { NotifierSummary } from '../integration/integration.types.js';
import { NotifierDirectory } from '../integration/notifier-directory.service.js';
import { PERSONAL_CHANNELS, type NotifierChannel } from '../plugins/plugin-contract.js';
import { MessageComposer } from './message-composer.js';
import { RECORDS_QUEUED } from './notification.events.js';
import { NotificationRecordRepository, type NewRecord } from './notification-record.repository.js';
import type { RecordRecipient } from './notification.types.js';

/** The address a personal channel sends to, from a recipient. */
const ADDRESS_OF: Record<'email' | 'sms' | 'push', (r: EventRecipient) => string | undefined> = {
  email: (r) => r.email,
  sms: (r) => r.phone,
  push: (r) => r.userId,
};
const ADDRESS_NAME = { email: 'email address', sms: 'phone number', push: 'user id' } as const;

/** sha256 of (event, interface, recipient): the unique key that makes a replayed event create nothing new. */
export function dedupKey(eventId: string, interfaceId: string, recipient: string | null): string {
  return createHash('sha256').update(`${eventId}\u0000${interfaceId}\u0000${recipient ?? ''}`).digest('hex');
}

/**
 * Turns events into notification records (ARCHITECTURE §4), inside the relay's transaction: for
 * each event, the enabled notifiers whose supported_events include its type, and the recipients
 * the catalog names. A channel that addresses people (email, sms, push) gets one record per
 * distinct address it can use; one that does not (webhook, chat) gets one record per event, with
 * the recipients in its data. An event with no recipients at all (internal ones such as
 * plugin.health_changed) gets one record per personal channel too, for the channel's default
 * recipient. An event whose recipients a channel cannot address (no phone number for sms) gets a
 * `skipped` record saying so: visible, never silent. So does an event whose template prints a
 * param its data lacks (`template_param_missing`, from MessageComposer).
 *
 * Deliberately not here: sending (the dispatcher), templates (MessageComposer), recipients'
 * own settings (a later issue).
 */
@Injectable()
export class NotificationPlanner implements OutboxSubscriber, OnModuleInit {
  readonly name = 'notification-planner';

  constructor(
    private readonly relay: OutboxRelay,
    private readonly directory: NotifierDirectory,
    private readonly records: NotificationRecordRepository,
    private readonly composer: MessageComposer,
    private readonly emitter: EventEmitter2,
    private readonly ids: IdGenerator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.relay.subscribe(this);
  }

  async handle(events: EventEnvelope[], tx: RelayTransaction): Promise<void> {
    const notifiers = await this.directory.enabled();
    await this.composer.prepare();
    const rows = events.flatMap((event) => this.plan(event, notifiers));
    const inserted = await this.records.insert(rows, tx.manager);
    if (inserted > 0) tx.afterCommit(() => this.emitter.emit(RECORDS_QUEUED));
  }

  /** The records of one event (pure given the notifiers). */
  plan(event: EventEnvelope, notifiers: NotifierSummary[]): NewRecord[] {
    const entry = catalogEntry(event.eventType, event.eventVersion);
    if (!entry) return [];
    const recipients = entry.recipients(event.data, { adminNotifyEmail: this.config.adminNotifyEmail });
    const language = typeof event.data.language === 'string' ? event.data.language : null;
    const stored: RecordRecipient[] = recipients.map((r) => ({ ...r }));
    const rows: NewRecord[] = [];
    for (const notifier of notifiers) {
      if (!notifier.supportedEvents.includes(event.eventType)) continue;
      const message = this.composer.compose(event, notifier.channel, language);
      const record = (recipient: string | null, skipped: { code: string; message: string } | undefined = message.failure): NewRecord => ({
        id: this.ids.uuid(),
        dedupKey: dedupKey(event.eventId, notifier.id, recipient),
        eventId: event.eventId,
        eventType: event.eventType,
        interfaceId: notifier.id,
        channelType: notifier.channel,
        pluginId: notifier.pluginId,
        channelName: notifier.name,
        recipient,
        recipients: stored,
        title: message.title,
        body: message.body,
        data: event.data,
        metadata: metadataOf(event),
        language,
        templateId: message.templateId,
        templateVersion: message.templateVersion,
        status: skipped ? 'skipped' : 'queued',
        maxAttempts: this.config.delivery.retryScheduleMs.length + 1,
        lastErrorCode: skipped?.code ?? null,
        lastErrorMessage: skipped?.message ?? null,
        occurredAt: event.occurredAt,
        traceId: event.traceId,
      });
      if (!isPersonal(notifier.channel) || recipients.length === 0) {
        rows.push(record(null));
        continue;
      }
      const addresses = [...new Set(recipients.map(ADDRESS_OF[notifier.channel]).filter((a): a is string => !!a))];
      if (addresses.length === 0) {
        rows.push(
          record(null, {
            code: 'recipient_missing',
            message: `${event.eventType} names no ${ADDRESS_NAME[notifier.channel]} for its recipients (${recipients.map((r) => r.role).join(', ')})`,
          }),
        );
        continue;
      }
      for (const address of addresses) rows.push(record(address));
    }
    return rows;
  }
}

function isPersonal(channel: NotifierChannel): channel is 'email' | 'sms' | 'push' {
  return PERSONAL_CHANNELS.includes(channel);
}

function metadataOf(event: EventEnvelope): Record<string, string> {
  return {
    event_id: event.eventId,
    event_version: event.eventVersion,
    ...(event.source ? { source: event.source } : {}),
  };
}
