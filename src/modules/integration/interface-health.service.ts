import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { InProcessEmitter } from '../../common/in-process-events.js';
import { LOGGER } from '../../common/tokens.js';
import { EventBus } from '../events/event-bus.service.js';
import type { PublishEventInput } from '../events/events.types.js';
import { PluginRuntime } from '../plugins/plugin-runtime.service.js';
import type { PluginHealthChangedEvent } from './integration.events.js';
import type { HealthReport } from './integration.types.js';
import { PluginInterfaceRepository, type StoredInterface } from './plugin-interface.repository.js';

/** An interface as read before its check, and what the check found. */
export interface CheckedInterface {
  row: StoredInterface;
  report: HealthReport;
}

/**
 * Runs an interface's health_check() and records the answer (is_healthy, health_error,
 * last_check_at). A plugin that throws, times out or answers off-contract is unhealthy with that
 * reason: a check always produces a report; only failing to store it fails the caller. A change
 * of state and its `plugin.health_changed` outbox row are written in one transaction, so neither
 * is stored without the other: when the write fails, the state stays as it was, the next check
 * sees the change again and writes both (the event id is the check's, so a retry never duplicates
 * one). Once committed, the change is emitted in-process.
 *
 * check() does both for one interface; the sweep runs probe() for each interface and stores the
 * reports in batches with recordMany().
 */
const BACKSTOP_GRACE_MS = 1_000;

@Injectable()
export class InterfaceHealthService {
  constructor(
    private readonly repository: PluginInterfaceRepository,
    private readonly runtime: PluginRuntime,
    private readonly events: InProcessEmitter,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Runs health_check() now and stores the result, with its change's event. Rejects when storing them fails. */
  async check(row: StoredInterface, timeoutMs?: number): Promise<HealthReport> {
    const report = await this.probe(row, timeoutMs);
    const changes = this.changes([{ row, report }]);
    let published: PluginHealthChangedEvent[] = [];
    await this.repository.recordHealth(row.id, { isHealthy: report.isHealthy, healthError: report.error, lastCheckAt: report.checkedAt }, async (stored, tx) => {
      published = await this.publish(changes.filter((event) => stored.has(event.interfaceId)), tx);
    });
    this.announce(published);
    return report;
  }

  /**
   * Runs health_check() and says what it found; stores nothing. Never throws.
   * `timeoutMs`: the plugin call's deadline, and a backstop on top of it (a call that queues behind
   * busy sandbox workers, or a worker that does not come back) so a check always ends.
   * `transient`: leave the sandbox's cache as it is (the sweep: see PluginCall.transient).
   */
  async probe(row: StoredInterface, timeoutMs?: number, options: { transient?: boolean } = {}): Promise<HealthReport> {
    let isHealthy: boolean;
    let error: string | null;
    try {
      const call = this.runtime.call({ pluginDefId: row.pluginDefId, fn: 'health_check', config: row.config, interfaceId: row.id, timeoutMs, transient: options.transient });
      const result = timeoutMs === undefined ? await call : await withBackstop(call, timeoutMs + BACKSTOP_GRACE_MS);
      isHealthy = result.healthy;
      error = result.healthy ? null : (result.error ?? 'health_check() reported unhealthy without a reason');
    } catch (err) {
      isHealthy = false;
      error = (err as Error).message;
    }
    return { isHealthy, error, checkedAt: this.clock.now() };
  }

  /**
   * Stores the reports in one statement and, in the same transaction, the changes among those
   * stored as outbox events (one insert for all of them); announces them once committed. Returns
   * the ids stored; a report older than the stored state is skipped (see recordHealthMany).
   * Rejects when storing the reports or their events fails: then nothing of the batch is stored.
   */
  async recordMany(checked: readonly CheckedInterface[]): Promise<Set<string>> {
    const changes = this.changes(checked);
    let published: PluginHealthChangedEvent[] = [];
    const stored = await this.repository.recordHealthMany(
      checked.map(({ row, report }) => ({ id: row.id, isHealthy: report.isHealthy, healthError: report.error, lastCheckAt: report.checkedAt })),
      async (written, tx) => {
        published = await this.publish(changes.filter((event) => written.has(event.interfaceId)), tx);
      },
    );
    this.announce(published);
    return stored;
  }

  private changes(checked: readonly CheckedInterface[]): PluginHealthChangedEvent[] {
    return checked
      .filter(({ row, report }) => report.isHealthy !== row.isHealthy || row.lastCheckAt === null)
      .map(({ row, report }) => ({
        interfaceId: row.id,
        pluginType: row.pluginType,
        pluginId: row.pluginId,
        displayName: row.displayName,
        isHealthy: report.isHealthy,
        previouslyHealthy: row.isHealthy,
        error: report.error,
        checkedAt: report.checkedAt,
      }));
  }

  /**
   * Inserts the changes into the outbox as `plugin.health_changed`, in the transaction that stores
   * them (a failure rolls the state back with it); the ones new to the outbox come back.
   */
  private async publish(changes: PluginHealthChangedEvent[], tx: EntityManager): Promise<PluginHealthChangedEvent[]> {
    if (changes.length === 0) return [];
    const results = await this.bus.publishMany(changes.map(toPublished), tx);
    return changes.filter((_, i) => !results[i].duplicate);
  }

  /**
   * After commit: wakes this process's relay, as the bus does for a write of its own (NOTIFY wakes
   * every listening relay at commit, but nothing listens on the embedded database or with
   * DATABASE_LISTEN=false: only the poll would find the rows), and emits each change in-process.
   * A listener that throws is logged.
   */
  private announce(changes: PluginHealthChangedEvent[]): void {
    if (changes.length === 0) return;
    this.events.emit('outbox.written');
    for (const event of changes) {
      this.logger.info({ interfaceId: event.interfaceId, isHealthy: event.isHealthy, error: event.error }, 'plugin interface health changed');
      try {
        this.events.emit('plugin.health_changed', event);
      } catch (err) {
        this.logger.warn({ interfaceId: event.interfaceId, err: (err as Error).message }, 'a plugin.health_changed listener failed');
      }
    }
  }
}

function toPublished(event: PluginHealthChangedEvent): PublishEventInput {
  return {
    eventId: healthChangeEventId(event),
    eventType: 'plugin.health_changed',
    source: 'switchboard.integration',
    occurredAt: event.checkedAt,
    data: {
      interface_id: event.interfaceId,
      plugin_type: event.pluginType,
      plugin_id: event.pluginId,
      is_healthy: event.isHealthy,
      error: event.error === null ? null : event.error.slice(0, 2_000),
      display_name: event.displayName,
    },
  };
}

/** The event id of one change: one check's change is announced once, however often it is retried. */
export function healthChangeEventId(event: PluginHealthChangedEvent): string {
  return `plugin.health_changed:${event.interfaceId}:${event.checkedAt.toISOString()}`;
}

function withBackstop<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const backstop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`health_check did not answer within ${ms} ms (timed out)`)), ms);
    timer.unref();
  });
  return Promise.race([promise, backstop]).finally(() => clearTimeout(timer));
}
