/** In-process events of the events module (the map: src/common/in-process-events.ts). */
declare module '../../common/in-process-events.js' {
  interface InProcessEvents {
    /**
     * Rows were inserted into outbox_events and committed, so the relay of this process can start
     * now (other replicas hear OUTBOX_NOTIFY_CHANNEL). EventBus emits it for a write of its own; a
     * caller that passed its transaction to EventBus.publish/publishMany emits it after that
     * transaction commits, when an event was new (without it, on the embedded database or with
     * DATABASE_LISTEN=false, the relay finds the rows only at its next poll).
     */
    'outbox.written': [];
  }
}

// PostgreSQL NOTIFY channels: between processes, not in-process events.

/** New outbox rows (sent in the inserting transaction, so heard at commit). */
export const OUTBOX_NOTIFY_CHANNEL = 'switchboard_outbox';
