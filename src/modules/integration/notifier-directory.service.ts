import type { EntityManager } from 'typeorm';
import { Injectable } from '@nestjs/common';
import { OnInProcessEvent } from '../../common/in-process-events.js';
import { PluginRuntime } from '../plugins/plugin-runtime.service.js';
import { isNotifierChannel, type NotifierChannel } from '../plugins/plugin-contract.js';
import type { SendResult } from '../plugins/plugin-results.js';
import type { NotifierSummary, NotifierTarget } from './integration.types.js';
import { PluginInterfaceRepository, type StoredInterface } from './plugin-interface.repository.js';

/** What the notifier's send() is called with (docs/plugins.md). */
export interface NotifierSendParams {
  notification_id: string;
  event_type: string;
  title: string;
  body: string;
  /**
   * `html`: the body is HTML (an email template rendered with its values HTML-escaped); `text`:
   * plain text (every other channel, and email without a template).
   */
  body_format: 'html' | 'text';
  recipient: string | null;
  data: Record<string, unknown>;
  metadata: Record<string, string>;
  attempt: number;
  occurred_at: string;
  trace_id: string | null;
  /** A recipient's own endpoint (their settings), instead of the configured one; user-supplied. */
  target_url?: string;
  /** The signing secret of that endpoint (its own, never the interface's); absent for an unsigned one. */
  target_secret?: string;
}

/** The notifier interfaces of one dispatch batch, read once: each record's target and a way to send through it. */
export interface NotifierBatch {
  target(id: string): NotifierTarget;
  /** Calls send() with the interface's stored config (its secrets never leave this module). */
  send(id: string, params: NotifierSendParams, timeoutMs?: number): Promise<SendResult>;
}

interface Capabilities {
  channel: NotifierChannel;
  supportedEvents: string[];
}

/**
 * Capability lookups (two plugin calls each) run this many interfaces at a time. The first
 * planning after boot asks every notifier at once: with a thousand of them (the first health sweep
 * announces a thousand changes), unbounded it queued two thousand loads in the sandbox ahead of
 * everything else, and the sweep's own checks timed out behind them.
 */
const DISCOVERY_CONCURRENCY = 4;

/**
 * The notifier interfaces as the notification module needs them: the enabled ones with their
 * channel and supported events (for planning and ListNotifiers), and, for the dispatcher, a batch
 * of targets to send through. channel() and supported_events() depend only on the script and the
 * config, so they are cached per interface and edit (updated_at; another replica's edit changes
 * it too) and dropped when plugin scripts change; a lookup under way is shared, not repeated. They
 * are asked with transient calls: the answers are cached here, the compiled script need not be.
 */
@Injectable()
export class NotifierDirectory {
  private readonly capabilities = new Map<string, { key: string; value: Promise<Capabilities> }>();

  constructor(
    private readonly repository: PluginInterfaceRepository,
    private readonly runtime: PluginRuntime,
  ) {}

  /**
   * Enabled notifier interfaces; one whose plugin cannot say its channel or events is left out (it
   * could not send either). Given a transaction, read in it (the outbox relay's: see NotificationPlanner).
   */
  async enabled(tx?: EntityManager): Promise<NotifierSummary[]> {
    const rows = await this.repository.list({ pluginTypes: ['notifier'], enabledOnly: true }, tx);
    const summaries = await mapLimited(rows, DISCOVERY_CONCURRENCY, async (row) => {
      const capabilities = await this.capabilitiesOf(row).catch(() => null);
      if (!capabilities) return null;
      return { id: row.id, name: row.displayName, pluginId: row.pluginId, channel: capabilities.channel, supportedEvents: capabilities.supportedEvents, isHealthy: row.isHealthy };
    });
    return summaries.filter((s): s is NotifierSummary => s !== null);
  }

  async batch(ids: readonly string[]): Promise<NotifierBatch> {
    const rows = new Map((await this.repository.findByIds([...new Set(ids)])).map((row) => [row.id, row]));
    const channels = new Map<string, NotifierChannel>();
    for (const row of rows.values()) {
      if (row.pluginType !== 'notifier' || !row.enabled) continue;
      const capabilities = await this.capabilitiesOf(row).catch(() => null);
      if (capabilities) channels.set(row.id, capabilities.channel);
    }
    return {
      target: (id) => {
        const row = rows.get(id);
        if (!row) return { state: 'missing', id };
        if (row.pluginType !== 'notifier') return { state: 'not_notifier', id };
        if (!row.enabled) return { state: 'disabled', id };
        // A notifier whose channel() fails now is still tried: send() will report the failure.
        return { state: 'ready', id, name: row.displayName, pluginId: row.pluginId, channel: channels.get(id) ?? 'webhook' };
      },
      send: (id, params, timeoutMs) => {
        const row = rows.get(id);
        if (!row) return Promise.reject(new Error(`notifier interface ${id} is not in this batch`));
        return this.runtime.call({ pluginDefId: row.pluginDefId, fn: 'send', config: row.config, params, interfaceId: row.id, timeoutMs, personalTarget: params.target_url ?? null });
      },
    };
  }

  @OnInProcessEvent('plugins.changed')
  onPluginsChanged(): void {
    this.capabilities.clear();
  }

  private capabilitiesOf(row: StoredInterface): Promise<Capabilities> {
    const key = `${row.updatedAt.getTime()}:${row.pluginVersion}`;
    const cached = this.capabilities.get(row.id);
    if (cached && cached.key === key) return cached.value;
    const call = <F extends 'channel' | 'supported_events'>(fn: F) =>
      this.runtime.call({ pluginDefId: row.pluginDefId, fn, config: row.config, interfaceId: row.id, transient: true });
    const value = Promise.all([call('channel'), call('supported_events')]).then(([channel, supportedEvents]) => ({
      channel: isNotifierChannel(channel) ? channel : 'webhook',
      supportedEvents: [...new Set(supportedEvents)],
    }));
    const entry = { key, value };
    this.capabilities.set(row.id, entry);
    // A failed lookup is asked again next time.
    value.catch(() => {
      if (this.capabilities.get(row.id) === entry) this.capabilities.delete(row.id);
    });
    return value;
  }
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
