import type { SecretBox } from '../../../common/secrets/secret-box.js';
import { priorityOfRank } from '../../events/events.types.js';
import type { NotificationRecord, RecordRecipient, RecordStatus } from '../notification.types.js';

/** Every column a NotificationRecord is read from (NotificationRecordRepository, DeliveryQueue). */
export const RECORD_COLUMNS = `id, event_id, event_type, interface_id, channel_type, plugin_id, channel_name, recipient, recipients, target, target_secret, title, body, data,
  metadata, language, template_id, template_version, status, attempt_count, max_attempts, next_attempt_at, last_error_code,
  last_error_message, provider_message_id, occurred_at, trace_id, sender_sub, priority, created_at, updated_at, sent_at`;

/** A row as the module sees it: the own target and its secret, stored sealed, opened. */
export function toRecord(r: Record<string, unknown>, box: SecretBox): NotificationRecord {
  return {
    id: r.id as string,
    eventId: r.event_id as string,
    eventType: r.event_type as string,
    interfaceId: r.interface_id as string,
    channelType: r.channel_type as string,
    pluginId: r.plugin_id as string,
    channelName: r.channel_name as string,
    recipient: r.recipient as string | null,
    recipients: r.recipients as RecordRecipient[],
    target: box.openNullable(r.target as string | null),
    targetSecret: box.openNullable(r.target_secret as string | null | undefined),
    title: r.title as string,
    body: r.body as string,
    data: r.data as Record<string, unknown>,
    metadata: r.metadata as Record<string, string>,
    language: r.language as string | null,
    templateId: r.template_id as string | null,
    templateVersion: r.template_version as number | null,
    status: r.status as RecordStatus,
    attemptCount: r.attempt_count as number,
    maxAttempts: r.max_attempts as number,
    nextAttemptAt: r.next_attempt_at as Date,
    lastErrorCode: r.last_error_code as string | null,
    lastErrorMessage: r.last_error_message as string | null,
    providerMessageId: r.provider_message_id as string | null,
    occurredAt: r.occurred_at as Date,
    traceId: r.trace_id as string | null,
    senderSub: r.sender_sub as string | null,
    priority: priorityOfRank(r.priority as number),
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    sentAt: r.sent_at as Date | null,
  };
}
