/** In-process events of the notification module (the map: src/common/in-process-events.ts). */
declare module '../../common/in-process-events.js' {
  interface InProcessEvents {
    /**
     * Notification records were written (planned, replayed or sent by hand) and committed, so this
     * process's dispatcher can look now. Other replicas hear DISPATCH_NOTIFY_CHANNEL.
     */
    'notification.records_queued': [];
  }
}

// PostgreSQL NOTIFY channels: between processes, not in-process events.

/** Records became due (sent in the writing transaction, heard at commit). */
export const DISPATCH_NOTIFY_CHANNEL = 'switchboard_dispatch';
