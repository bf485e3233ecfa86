/**
 * In-process event: notification records were written (planned, replayed or sent by hand) and
 * committed, so this process's dispatcher can look now. Other replicas hear DISPATCH_CHANNEL.
 */
export const RECORDS_QUEUED = 'notification.records_queued';

/** PostgreSQL NOTIFY channel: records became due (sent in the writing transaction, heard at commit). */
export const DISPATCH_CHANNEL = 'switchboard_dispatch';
