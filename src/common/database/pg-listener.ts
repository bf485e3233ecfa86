import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import type { Logger } from 'pino';
import { LOGGER } from '../tokens.js';
import { DATABASE_OPTIONS, type DatabaseOptions } from './database-options.js';

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

/**
 * PostgreSQL LISTEN on a connection of its own (outside the pool, which it would otherwise hold
 * forever), so replicas wake each other: a NOTIFY sent in a committing transaction reaches every
 * listener. The connection is re-established after a database restart, with backoff; each
 * handler is then called once, since notifications sent while it was down are lost (the caller's
 * poll would find the work anyway, this just finds it sooner).
 *
 * On the embedded database (one connection for everything), and with DATABASE_LISTEN=false (a
 * transaction-pooling proxy such as PgBouncer, which cannot carry LISTEN), it does nothing: `listen`
 * answers false and the caller relies on its in-process wake-up and its poll.
 */
@Injectable()
export class PgListener implements OnApplicationShutdown {
  private readonly handlers = new Map<string, Set<() => void>>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private retryMs = RECONNECT_MIN_MS;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(DATABASE_OPTIONS) private readonly options: DatabaseOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Calls `handler` on every NOTIFY of `channel`; false when notifications are not available here. */
  async listen(channel: string, handler: () => void): Promise<boolean> {
    if (this.options.embedded || this.options.listen === false || this.closed) return false;
    let set = this.handlers.get(channel);
    const isNew = !set;
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    await this.ensureConnected();
    if (isNew && this.client) await this.client.query(`LISTEN ${quoteIdent(channel)}`).catch(() => undefined);
    return true;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private ensureConnected(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, application_name: 'switchboard-listener', connectionTimeoutMillis: 10_000 });
    client.on('notification', (message) => this.dispatch(message.channel));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (err) {
      this.lost(client, err as Error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    const wasDown = this.retryMs > RECONNECT_MIN_MS;
    this.client = client;
    this.retryMs = RECONNECT_MIN_MS;
    if (wasDown) {
      this.logger.info('database notifications: listening again');
      for (const channel of this.handlers.keys()) this.dispatch(channel);
    }
  }

  private lost(client: pg.Client, err: Error | null): void {
    if (this.client !== null && this.client !== client) return;
    if (this.client === client) this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.closed || this.retryTimer) return;
    this.logger.warn({ err: err?.message ?? 'connection ended' }, `database notifications: connection lost, reconnecting in ${this.retryMs} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.ensureConnected();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
  }

  private dispatch(channel: string): void {
    for (const handler of this.handlers.get(channel) ?? []) handler();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
