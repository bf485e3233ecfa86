/**
 * In-process events (EventEmitter2) of the events module. `outbox.written`: rows were inserted
 * into outbox_events and committed, so the relay of this process can start now (other replicas
 * hear it through PostgreSQL NOTIFY on OUTBOX_CHANNEL). EventBus emits it for a write of its own;
 * a caller that passed its transaction to EventBus.publish/publishMany emits it after that
 * transaction commits, when an event was new (without it, on the embedded database or with
 * DATABASE_LISTEN=false, the relay finds the rows only at its next poll).
 */
export const OUTBOX_WRITTEN = 'outbox.written';

/** PostgreSQL NOTIFY channel: new outbox rows (sent in the inserting transaction, so heard at commit). */
export const OUTBOX_CHANNEL = 'switchboard_outbox';
