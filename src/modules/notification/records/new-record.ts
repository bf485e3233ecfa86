import { createHash } from 'node:crypto';
import type { AppConfig } from '../../../config/app-config.js';
import type { EventPriority } from '../../events/events.types.js';
import type { NotifierSummary } from '../../integration/integration.types.js';
import type { NewRecord } from './notification-record.repository.js';
import type { RecordRecipient } from '../notification.types.js';

/** sha256 of (event, interface, recipient): the unique key that makes a replayed event create nothing new. */
export function dedupKey(eventId: string, interfaceId: string, recipient: string | null): string {
  return createHash('sha256').update(`${eventId}\u0000${interfaceId}\u0000${recipient ?? ''}`).digest('hex');
}

/** What a record is made of, from planning (an event) or a direct send; the rest is defaulted. */
export interface RecordDraft {
  eventId: string;
  eventType: string;
  notifier: Pick<NotifierSummary, 'id' | 'channel' | 'pluginId' | 'name'>;
  recipient: string | null;
  /** Everyone the event is for (webhook and chat carry them); none for a direct send. */
  recipients?: RecordRecipient[];
  title: string;
  body: string;
  data?: Record<string, unknown>;
  metadata: Record<string, string>;
  language?: string | null;
  templateId?: string | null;
  templateVersion?: number | null;
  occurredAt: Date;
  traceId: string | null;
  priority: EventPriority;
  /**
   * Planning already knows the outcome: nothing to send (`skipped` with this reason), or no
   * message can be built (`template_too_large`: `dead`). Absent: `queued`.
   */
  settled?: { code: string; message: string };
  target?: string | null;
  targetSecret?: string | null;
  notBefore?: Date | null;
  senderSub?: string | null;
  /** The dedup key's recipient part, when it is not `recipient` (a recipient's own record on webhook/chat). */
  dedupAs?: string | null;
  /** The whole dedup key, when the caller has one (an idempotency key of POST /send). */
  dedupKey?: string;
}

/** A new record: its id, its dedup key, and as many attempts as the retry schedule allows. */
export function newRecord(id: string, draft: RecordDraft, delivery: Pick<AppConfig['delivery'], 'retryScheduleMs'>): NewRecord {
  const { notifier, settled, dedupAs, dedupKey: givenKey, ...fields } = draft;
  return {
    ...fields,
    id,
    dedupKey: givenKey ?? dedupKey(draft.eventId, notifier.id, dedupAs ?? draft.recipient),
    interfaceId: notifier.id,
    channelType: notifier.channel,
    pluginId: notifier.pluginId,
    channelName: notifier.name,
    recipients: draft.recipients ?? [],
    data: draft.data ?? {},
    language: draft.language ?? null,
    templateId: draft.templateId ?? null,
    templateVersion: draft.templateVersion ?? null,
    status: settled ? (settled.code === 'template_too_large' ? 'dead' : 'skipped') : 'queued',
    maxAttempts: delivery.retryScheduleMs.length + 1,
    lastErrorCode: settled?.code ?? null,
    lastErrorMessage: settled?.message ?? null,
  };
}
