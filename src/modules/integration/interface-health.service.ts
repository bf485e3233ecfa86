import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Logger } from 'pino';
import { Clock } from '../../common/clock.js';
import { LOGGER } from '../../common/tokens.js';
import { EventBus } from '../events/event-bus.service.js';
import type { PublishEventInput } from '../events/events.types.js';
import { PluginRuntime } from '../plugins/plugin-runtime.service.js';
import { PLUGIN_HEALTH_CHANGED, type PluginHealthChangedEvent } from './integration.events.js';
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
 * reason: a check always produces a report, it never fails the caller. A change of state, once
 * stored, emits `plugin.health_changed` in-process and publishes it to the outbox.
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
    private readonly events: EventEmitter2,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Runs health_check() now and stores the result. */
  async check(row: StoredInterface, timeoutMs?: number): Promise<HealthReport> {
    const report = await this.probe(row, timeoutMs);
    await this.repository.recordHealth(row.id, { isHealthy: report.isHealthy, healthError: report.error, lastCheckAt: report.checkedAt });
    await this.announce(this.changes([{ row, report }]));
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
   * Stores the reports in one statement, then announces the changes among those stored (one
   * outbox insert for all of them). Returns the ids stored; a report older than the stored state
   * is skipped (see recordHealthMany). Rejects when storing the reports fails.
   */
  async recordMany(checked: readonly CheckedInterface[]): Promise<Set<string>> {
    const stored = await this.repository.recordHealthMany(
      checked.map(({ row, report }) => ({ id: row.id, isHealthy: report.isHealthy, healthError: report.error, lastCheckAt: report.checkedAt })),
    );
    await this.announce(this.changes(checked.filter(({ row }) => stored.has(row.id))));
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
   * Emits each change in-process and publishes them as `plugin.health_changed` for notifiers that
   * subscribe to it. The state is stored by then: a listener that throws, or an outbox that cannot
   * be written (the database is away), is logged, and the next check that sees a change announces it.
   */
  private async announce(changes: PluginHealthChangedEvent[]): Promise<void> {
    if (changes.length === 0) return;
    for (const event of changes) {
      this.logger.info({ interfaceId: event.interfaceId, isHealthy: event.isHealthy, error: event.error }, 'plugin interface health changed');
      try {
        this.events.emit(PLUGIN_HEALTH_CHANGED, event);
      } catch (err) {
        this.logger.warn({ interfaceId: event.interfaceId, err: (err as Error).message }, 'a plugin.health_changed listener failed');
      }
    }
    try {
      await this.bus.publishMany(changes.map(toPublished));
    } catch (err) {
      this.logger.warn({ interfaceIds: changes.map((e) => e.interfaceId), err: (err as Error).message }, 'plugin.health_changed could not be published');
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
