/**
 * In-process events (EventEmitter2) of the events module. `outbox.written`: rows were inserted
 * into outbox_events outside a caller's transaction, so the relay of this process can start now
 * (other replicas hear it through PostgreSQL NOTIFY on OUTBOX_CHANNEL).
 */
export const OUTBOX_WRITTEN = 'outbox.written';

/** PostgreSQL NOTIFY channel: new outbox rows (sent in the inserting transaction, so heard at commit). */
export const OUTBOX_CHANNEL = 'switchboard_outbox';
