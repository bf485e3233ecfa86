import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InProcessEmitter } from '../../../common/in-process-events.js';
import { APP_CONFIG } from '../../../common/tokens.js';
import { IdGenerator } from '../../../common/id-generator.js';
import type { AppConfig } from '../../../config/app-config.js';
import { catalogEntry, defaultPriorityOf, isOptOutable, type EventRecipient } from '../../events/event-catalog.js';
import type { EventEnvelope, OutboxSubscriber, RelayTransaction } from '../../events/events.types.js';
import { OutboxRelay } from '../../events/outbox-relay.service.js';
import type { NotifierSummary } from '../../integration/integration.types.js';
import { NotifierDirectory } from '../../integration/notifier-directory.service.js';
import { PERSONAL_CHANNELS, type NotifierChannel } from '../../plugins/plugin-contract.js';
import { MessageComposer } from './message-composer.js';
import { newRecord } from '../records/new-record.js';
import { NotificationRecordRepository, type NewRecord } from '../records/notification-record.repository.js';
import { NotificationSettingsRepository } from '../settings/notification-settings.repository.js';
import { subjectKey, type NotificationSettings, type SettingsSubject } from '../settings/notification-settings.types.js';
import type { RecordRecipient } from '../notification.types.js';
import { preferenceOf } from './recipient-preference.js';

/** The address a personal channel sends to, from a recipient. */
const ADDRESS_OF: Record<'email' | 'sms' | 'push', (r: EventRecipient) => string | undefined> = {
  email: (r) => r.email,
  sms: (r) => r.phone,
  push: (r) => r.userId,
};
const ADDRESS_NAME = { email: 'email address', sms: 'phone number', push: 'user id' } as const;


/**
 * Turns events into notification records (docs/architecture.md, "One event, ingress to delivered
 * record"), inside the relay's transaction: for each event, the enabled notifiers whose
 * supported_events include its type, and the recipients the catalog names. A channel that addresses
 * people (email, sms, push) gets one record per distinct address it can use; one that does not
 * (webhook, chat) gets one record per event, with the recipients in its data. An event with no
 * recipients at all (internal ones such as plugin.health_changed) gets one record per personal
 * channel too, for the channel's default recipient. An event whose recipients a channel cannot
 * address (no phone number for sms) gets a `skipped` record saying so: visible, never silent. So
 * does an event whose template prints a param its data lacks (`template_param_missing`, from
 * MessageComposer).
 *
 * Recipients' own settings (docs/settings.md), read in the relay's transaction: a
 * recipient who turned the channel off or muted the event gets a `skipped` record with reason
 * `recipient_opted_out` (unless the catalog makes them mandatory for the event); one with an own
 * target gets it — their own record, with `target`, on webhook and chat (taken out of the
 * default record's recipients), or that address on a personal channel. A scheduled event
 * (deliver_at) gets its records queued with next_attempt_at = deliver_at.
 *
 * Deliberately not here: sending (the dispatcher), templates (MessageComposer).
 */
@Injectable()
export class NotificationPlanner implements OutboxSubscriber, OnModuleInit {
  readonly name = 'notification-planner';

  constructor(
    private readonly relay: OutboxRelay,
    private readonly directory: NotifierDirectory,
    private readonly records: NotificationRecordRepository,
    private readonly settings: NotificationSettingsRepository,
    private readonly composer: MessageComposer,
    private readonly emitter: InProcessEmitter,
    private readonly ids: IdGenerator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
  }

  onModuleInit(): void {
    this.relay.subscribe(this);
  }

  /**
   * The notifier list and the templates are read in the relay's transaction, after its claim, so
   * they are never older than the events being planned: a notifier enabled before an event was
   * published always gets it, whatever the pool size (on a pool of one connection, the transaction's
   * is the only one there is).
   */
  async handle(events: EventEnvelope[], tx: RelayTransaction): Promise<void> {
    const notifiers = await this.directory.enabled(tx.manager);
    await this.composer.prepare(tx.manager);
    const subjects = events.flatMap((event) => this.recipientsOf(event).flatMap(subjectsOf));
    const settings = await this.settings.findMany(subjects, tx.manager);
    const rows = events.flatMap((event) => this.plan(event, notifiers, settings));
    const inserted = await this.records.insert(rows, tx.manager);
    if (inserted > 0) tx.afterCommit(() => this.emitter.emit('notification.records_queued'));
  }

  private recipientsOf(event: EventEnvelope): EventRecipient[] {
    return catalogEntry(event.eventType, event.eventVersion)?.recipients(event.data, { adminNotifyEmail: this.config.adminNotifyEmail }) ?? [];
  }

  /** The records of one event (pure given the notifiers and the recipients' settings, by subjectKey). */
  plan(event: EventEnvelope, notifiers: NotifierSummary[], settings: ReadonlyMap<string, NotificationSettings> = new Map()): NewRecord[] {
    const entry = catalogEntry(event.eventType, event.eventVersion);
    if (!entry) return [];
    const recipients = this.recipientsOf(event);
    const preference = (r: EventRecipient, channel: NotifierChannel) => preferenceOf(settingsOf(settings, r), event.eventType, channel, !isOptOutable(event.eventType, r.role));
    const language = typeof event.data.language === 'string' ? event.data.language : null;
    const stored: RecordRecipient[] = recipients.map((r) => ({ ...r }));
    const rows: NewRecord[] = [];
    for (const notifier of notifiers) {
      if (!notifier.supportedEvents.includes(event.eventType)) continue;
      const message = this.composer.compose(event, notifier.channel, language);
      const record = (
        recipient: string | null,
        skipped: { code: string; message: string } | undefined = message.failure,
        own?: { target?: string; targetSecret?: string | null; recipients?: EventRecipient[]; dedupAs?: string },
      ): NewRecord =>
        newRecord(
          this.ids.uuid(),
          {
            eventId: event.eventId,
            eventType: event.eventType,
            notifier,
            recipient,
            recipients: own?.recipients ? own.recipients.map((r) => ({ ...r })) : stored,
            target: own?.target ?? null,
            targetSecret: own?.targetSecret ?? null,
            dedupAs: own?.dedupAs,
            notBefore: event.deliverAt ?? null,
            title: message.title,
            body: message.body,
            data: event.data,
            metadata: metadataOf(event),
            language,
            templateId: message.templateId,
            templateVersion: message.templateVersion,
            settled: skipped,
            occurredAt: event.occurredAt,
            traceId: event.traceId,
            priority: event.priority ?? defaultPriorityOf(event.eventType),
          },
          this.config.delivery,
        );
      if (recipients.length === 0) {
        rows.push(record(null));
        continue;
      }
      if (!isPersonal(notifier.channel)) {
        const group: EventRecipient[] = [];
        const own = new Set<string>();
        for (const r of recipients) {
          const pref = preference(r, notifier.channel);
          const who = r.userId ?? r.email ?? r.phone ?? r.role;
          if (pref.kind === 'default') group.push(r);
          else if (own.has(who)) continue;
          else if (pref.kind === 'opted_out') rows.push(record(who, { code: 'recipient_opted_out', message: pref.message }, { recipients: [r] }));
          else rows.push(record(who, undefined, { target: pref.target, targetSecret: pref.secret, recipients: [r] }));
          own.add(who);
        }
        if (group.length > 0) rows.push(record(null, undefined, { recipients: group }));
        continue;
      }
      const addressOf = ADDRESS_OF[notifier.channel];
      const addresses = [...new Set(recipients.map(addressOf).filter((a): a is string => !!a))];
      if (addresses.length === 0) {
        rows.push(
          record(null, {
            code: 'recipient_missing',
            message: `${event.eventType} names no ${ADDRESS_NAME[notifier.channel]} for its recipients (${recipients.map((r) => r.role).join(', ')})`,
          }),
        );
        continue;
      }
      for (const address of addresses) {
        const owner = recipients.find((r) => addressOf(r) === address)!;
        const pref = preference(owner, notifier.channel);
        if (pref.kind === 'opted_out') rows.push(record(address, { code: 'recipient_opted_out', message: pref.message }));
        else if (pref.kind === 'target') rows.push(record(pref.target, undefined, { dedupAs: address }));
        else rows.push(record(address));
      }
    }
    return rows;
  }
}

/** The settings keys a recipient may have settings under, most specific first. */
function subjectsOf(r: EventRecipient): SettingsSubject[] {
  return [
    ...(r.userId ? [{ kind: 'user' as const, id: r.userId }] : []),
    ...(r.email ? [{ kind: 'address' as const, id: r.email.toLowerCase() }] : []),
    ...(r.phone ? [{ kind: 'address' as const, id: r.phone }] : []),
  ];
}

/** A recipient's settings: those of their user id, else of their email address, else of their phone number. */
function settingsOf(settings: ReadonlyMap<string, NotificationSettings>, r: EventRecipient): NotificationSettings | undefined {
  for (const subject of subjectsOf(r)) {
    const found = settings.get(subjectKey(subject));
    if (found) return found;
  }
  return undefined;
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
