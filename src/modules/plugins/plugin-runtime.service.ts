import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { Logger } from 'pino';
import { AppError } from '../../common/errors/app-error.js';
import { currentTraceId } from '../../common/logging/request-context.js';
import { APP_CONFIG, LOGGER } from '../../common/tokens.js';
import type { AppConfig } from '../../config/app-config.js';
import { JsonSchemaValidator } from './json-schema.js';
import { PluginConfigService } from './plugin-config.service.js';
import type { PluginResults } from './plugin-results.js';
import { assertContractResult } from './result-check.js';
import { PluginRepository } from './plugin.repository.js';
import { createSandboxPool } from './plugin-sandbox.factory.js';
import { PLUGINS_CHANGED, type PluginsChangedEvent } from './plugins.events.js';
import type { PluginDefinition } from './plugins.types.js';
import type { SandboxPool } from './sandbox/sandbox-pool.js';
import { SecretScrubber } from './secret-scrubber.js';

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
}

export type PluginResult<F extends string> = F extends keyof PluginResults ? PluginResults[F] : unknown;

interface LoadedDefinition {
  definition: PluginDefinition;
  source: string;
}

/**
 * The one entry point other modules use to run plugin code: `call()` a function of a plugin
 * definition with a config and params. It refuses invalid or removed definitions and unknown
 * functions, runs the call in the sandbox (limits, host API), checks the result against the
 * contract (plugins.invalid_result names the function and the field), and masks the interface's
 * secrets in the plugin's log lines and errors.
 *
 * Compiled scripts are cached per interface (or per definition when called without one); a
 * changed script file reloads by itself (the sandbox keys instances by hash), and `evict()` drops
 * an interface's instance when the integration module updates, toggles or deletes it.
 *
 * Config validation against config_schema() happens when an interface is saved, not per call.
 */
@Injectable()
export class PluginRuntime implements OnModuleDestroy {
  readonly sandbox: SandboxPool;
  private readonly definitions = new Map<string, Promise<LoadedDefinition | null>>();
  private readonly scrubber = new SecretScrubber();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly repository: PluginRepository,
    private readonly configs: PluginConfigService,
    private readonly schemas: JsonSchemaValidator,
  ) {
    this.sandbox = createSandboxPool(config, logger.child({ component: 'plugin' }), this.scrubber.scrub);
  }

  async call<F extends string>(request: PluginCall<F>): Promise<PluginResult<F>> {
    const loaded = await this.load(request.pluginDefId, request.sha256);
    const { definition, source } = loaded;
    const label = `${definition.pluginType}/${definition.pluginId}`;
    if (!definition.available) throw new AppError('plugins.invalid_plugin', `Plugin ${label} is not available: its script file was removed`);
    if (!definition.valid) throw new AppError('plugins.invalid_plugin', `Plugin ${label} is invalid: ${definition.invalidReason}`);
    if (!definition.functions.includes(request.fn)) {
      throw new AppError('plugins.function_not_found', `Plugin ${label} has no function ${request.fn}()`, { function: request.fn });
    }

    const key = request.interfaceId ?? `plugin:${definition.id}`;
    if (definition.configSchema) this.scrubber.set(key, this.configs.secretValues(definition.configSchema, request.config));
    let result: unknown;
    try {
      result = await this.sandbox.call({
        script: { key, label, source, sha256: definition.sha256 },
        fn: request.fn,
        config: request.config,
        params: request.params ?? {},
        timeoutMs: request.timeoutMs,
        context: { interfaceId: request.interfaceId ?? null, traceId: currentTraceId() },
      });
    } catch (err) {
      if (err instanceof AppError) throw new AppError(err.code, this.scrubber.scrub(err.message), err.details, { cause: err });
      throw err;
    }

    assertContractResult(this.schemas, label, request.fn, result);
    return result as PluginResult<F>;
  }

  /** Drops the compiled script of an interface (after its config changed, or it was toggled or deleted). */
  evict(interfaceId: string): void {
    this.sandbox.evict(interfaceId);
    this.scrubber.delete(interfaceId);
  }

  @OnEvent(PLUGINS_CHANGED)
  onPluginsChanged(event: PluginsChangedEvent): void {
    for (const id of event.definitionIds) this.definitions.delete(id);
  }

  async onModuleDestroy(): Promise<void> {
    await this.sandbox.close();
  }

  /**
   * The definition with its script, cached by id until PLUGINS_CHANGED names it (the scanner
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
