import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { OnInProcessEvent } from '../../common/in-process-events.js';
import { currentOrigin, currentTraceId } from '../../common/logging/request-context.js';
import { PluginCallMetrics } from './plugin-call-metrics.js';
import { PluginCallPipeline, type CallablePlugin, type PluginResult } from './plugin-call-pipeline.js';
import { PluginRepository } from './plugin.repository.js';
import type { PluginsChangedEvent } from './plugins.events.js';
import type { PluginDefinition } from './plugins.types.js';

export type { PluginResult } from './plugin-call-pipeline.js';

export interface PluginCall<F extends string> {
  /** plugins.id of the definition. */
  pluginDefId: string;
  fn: F;
  config: unknown;
  params?: unknown;
  /** The configured instance calling; its compiled script is cached under this id. */
  interfaceId?: string | null;
  /**
   * sha256 of the definition row the caller read, if it read one: the call then runs exactly that
   * version or a newer one, never the older copy this process may still hold (another replica may
   * have stored the new version before this process's scanner saw the file).
   */
  sha256?: string;
  timeoutMs?: number;
  /** A recipient's own URL the call sends to (see HostCallContext.personalTarget). */
  personalTarget?: string | null;
  /** Leave the cache of compiled scripts as it is (the health sweep: see SandboxCallRequest.transient). */
  transient?: boolean;
}

interface LoadedDefinition {
  definition: PluginDefinition;
  source: string;
}

/**
 * The one entry point other modules use to run plugin code: `call()` a function of a stored plugin
 * definition with a config and params, through PluginCallPipeline (refusals, sandbox, result check,
 * secret masking). This service adds what only the server has: definitions read from the table and
 * cached by id until the scanner announces a change, and the calling interface's id and trace id.
 *
 * Compiled scripts are cached per interface (or per definition when called without one); a
 * changed script file reloads by itself (the sandbox keys instances by hash), and `evict()` drops
 * an interface's instance when the integration module updates, toggles or deletes it.
 *
 * Config validation against config_schema() happens when an interface is saved, not per call.
 */
@Injectable()
export class PluginRuntime implements OnModuleDestroy {
  private readonly definitions = new Map<string, Promise<LoadedDefinition | null>>();

  constructor(
    private readonly repository: PluginRepository,
    private readonly pipeline: PluginCallPipeline,
    private readonly metrics: PluginCallMetrics,
  ) {}

  /** Timed from here (switchboard_plugin_call_duration_seconds) once the definition is known. */
  async call<F extends string>(request: PluginCall<F>): Promise<PluginResult<F>> {
    const { definition, source } = await this.load(request.pluginDefId, request.sha256);
    const startedAt = performance.now();
    try {
      const result = await this.pipeline.call(callable(definition, source), {
        fn: request.fn,
        config: request.config,
        params: request.params,
        instanceKey: request.interfaceId ?? `plugin:${definition.id}`,
        interfaceId: request.interfaceId ?? null,
        traceId: currentTraceId(),
        origin: currentOrigin(),
        personalTarget: request.personalTarget ?? null,
        timeoutMs: request.timeoutMs,
        transient: request.transient,
      });
      this.metrics.record(definition, request.fn, 'ok', (performance.now() - startedAt) / 1000);
      return result;
    } catch (err) {
      this.metrics.record(definition, request.fn, 'error', (performance.now() - startedAt) / 1000);
      throw err;
    }
  }

  /** Drops the compiled script of an interface (after its config changed, or it was toggled or deleted). */
  evict(interfaceId: string): void {
    this.pipeline.evict(interfaceId);
  }

  @OnInProcessEvent('plugins.changed')
  onPluginsChanged(event: PluginsChangedEvent): void {
    for (const id of event.definitionIds) this.definitions.delete(id);
  }

  async onModuleDestroy(): Promise<void> {
    await this.pipeline.close();
  }

  /**
   * The definition with its script, cached by id until `plugins.changed` names it (the scanner
   * announces each row as soon as it is written); a caller that read a row with another sha256
   * reloads it from the table.
   */
  private async load(id: string, sha256?: string): Promise<LoadedDefinition> {
    let loaded = await this.cached(id);
    if (loaded && sha256 !== undefined && loaded.definition.sha256 !== sha256) {
      this.definitions.delete(id);
      loaded = await this.cached(id);
    }
    if (!loaded) {
      this.definitions.delete(id);
      throw new AppError('plugins.plugin_not_found', `No plugin definition with id ${id}`, { id });
    }
    return loaded;
  }

  private cached(id: string): Promise<LoadedDefinition | null> {
    let pending = this.definitions.get(id);
    if (!pending) {
      const loading = this.repository.findWithSource(id);
      pending = loading;
      this.definitions.set(id, loading);
      loading.catch(() => {
        if (this.definitions.get(id) === loading) this.definitions.delete(id);
      });
    }
    return pending;
  }
}

function callable(definition: PluginDefinition, source: string): CallablePlugin {
  return {
    label: `${definition.pluginType}/${definition.pluginId}`,
    source,
    sha256: definition.sha256,
    functions: definition.functions,
    configSchema: definition.configSchema,
    valid: definition.valid,
    invalidReason: definition.invalidReason,
    available: definition.available,
  };
}
