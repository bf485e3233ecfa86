import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Logger } from 'pino';
import { Clock } from '../../common/clock.js';
import { LOGGER } from '../../common/tokens.js';
import { EventBus } from '../events/event-bus.service.js';
import { PluginRuntime } from '../plugins/plugin-runtime.service.js';
import { PLUGIN_HEALTH_CHANGED, type PluginHealthChangedEvent } from './integration.events.js';
import type { HealthReport } from './integration.types.js';
import { PluginInterfaceRepository, type StoredInterface } from './plugin-interface.repository.js';

/**
 * Runs an interface's health_check() and records the answer (is_healthy, health_error,
 * last_check_at). A plugin that throws, times out or answers off-contract is unhealthy with that
 * reason: a check always produces a report, it never fails the caller. A change of state emits
 * `plugin.health_changed`.
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

  /**
   * `timeoutMs`: the plugin call's deadline, and a backstop on top of it (a call that queues behind
   * busy sandbox workers, or a worker that does not come back) so a check always ends.
   */
  async check(row: StoredInterface, timeoutMs?: number): Promise<HealthReport> {
    let isHealthy: boolean;
    let error: string | null;
    try {
      const call = this.runtime.call({ pluginDefId: row.pluginDefId, fn: 'health_check', config: row.config, interfaceId: row.id, timeoutMs });
      const result = timeoutMs === undefined ? await call : await withBackstop(call, timeoutMs + BACKSTOP_GRACE_MS);
      isHealthy = result.healthy;
      error = result.healthy ? null : (result.error ?? 'health_check() reported unhealthy without a reason');
    } catch (err) {
      isHealthy = false;
      error = (err as Error).message;
    }
    const checkedAt = this.clock.now();
    await this.repository.recordHealth(row.id, { isHealthy, healthError: error, lastCheckAt: checkedAt });
    if (isHealthy !== row.isHealthy || row.lastCheckAt === null) {
      const event: PluginHealthChangedEvent = {
        interfaceId: row.id,
        pluginType: row.pluginType,
        pluginId: row.pluginId,
        displayName: row.displayName,
        isHealthy,
        previouslyHealthy: row.isHealthy,
        error,
        checkedAt,
      };
      this.logger.info({ interfaceId: row.id, isHealthy, error }, 'plugin interface health changed');
      this.events.emit(PLUGIN_HEALTH_CHANGED, event);
      await this.announce(event);
    }
    return { isHealthy, error, checkedAt };
  }

  /**
   * Publishes the change as `plugin.health_changed` for notifiers that subscribe to it. A health
   * check must still answer when the outbox cannot be written (the database is away): that is
   * logged, and the next check that sees a change announces it.
   */
  private async announce(event: PluginHealthChangedEvent): Promise<void> {
    try {
      await this.bus.publish({
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
      });
    } catch (err) {
      this.logger.warn({ interfaceId: event.interfaceId, err: (err as Error).message }, 'plugin.health_changed could not be published');
    }
  }
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
