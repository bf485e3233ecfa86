import type { CallOrigin } from '../../common/logging/request-context.js';
import { AppError } from '../../common/errors/app-error.js';
import type { JsonSchemaValidator } from './json-schema-validator.js';
import type { PluginConfigService } from './plugin-config.service.js';
import type { PluginResults } from './plugin-results.js';
import type { ScannedPlugin } from './plugins.types.js';
import { assertContractResult, sanitizeResult } from './result-check.js';
import type { SandboxPool } from './sandbox/sandbox-pool.js';
import type { SecretScrubber } from './secret-scrubber.js';
import type { TrustedBuiltins } from './builtin/trusted-builtins.js';

/** A plugin as the pipeline needs it: a stored definition with its script, or a freshly inspected file. */
export interface CallablePlugin {
  /** "<plugin_type>/<plugin_id>" */
  label: string;
  source: string;
  sha256: string;
  functions: readonly string[];
  configSchema: Record<string, unknown> | null;
  valid: boolean;
  invalidReason: string | null;
  /** False once the script file was removed. */
  available: boolean;
}

export interface PipelineCall<F extends string> {
  fn: F;
  config: unknown;
  params?: unknown;
  /** Cache key of the loaded instance (an interface id; the CLI and tests use their own). */
  instanceKey: string;
  interfaceId: string | null;
  traceId: string | null;
  /** The call this plugin call serves (see HostCallContext.origin). */
  origin?: CallOrigin | null;
  /** See HostCallContext.personalTarget. */
  personalTarget?: string | null;
  timeoutMs?: number;
  /** See SandboxCallRequest.transient. */
  transient?: boolean;
}

export type PluginResult<F extends string> = F extends keyof PluginResults ? PluginResults[F] : unknown;

/**
 * The one way plugin code is called, for the server (PluginRuntime), the author CLI and the tests:
 * refuse what cannot be called (removed, invalid, unknown function), register the config's secret
 * values for masking, run the call in the sandbox, drop prototype keys from the result and check it
 * against the contract, and mask the secrets in whatever comes back — the error or the result.
 * A shipped script's function with a host-code twin (builtin/trusted-builtins.ts) runs as that
 * twin, through the same steps; every other call runs in the sandbox.
 */
export class PluginCallPipeline {
  private readonly secretsByConfig = new WeakMap<object, { schema: Record<string, unknown>; values: string[] }>();

  constructor(
    private readonly sandbox: SandboxPool,
    private readonly schemas: JsonSchemaValidator,
    private readonly configs: PluginConfigService,
    private readonly scrubber: SecretScrubber,
    private readonly builtins: TrustedBuiltins | null = null,
  ) {}

  async call<F extends string>(plugin: CallablePlugin, request: PipelineCall<F>): Promise<PluginResult<F>> {
    const { label } = plugin;
    if (!plugin.available) throw new AppError('plugins.invalid_plugin', `Plugin ${label} is not available: its script file was removed`);
    if (!plugin.valid) throw new AppError('plugins.invalid_plugin', `Plugin ${label} is invalid: ${plugin.invalidReason}`);
    if (!plugin.functions.includes(request.fn)) {
      throw new AppError('plugins.function_not_found', `Plugin ${label} has no function ${request.fn}()`, { function: request.fn });
    }

    const key = request.instanceKey;
    if (plugin.configSchema) this.scrubber.set(key, this.secretValuesOf(plugin.configSchema, request.config));
    let result: unknown;
    try {
      const context = { interfaceId: request.interfaceId, traceId: request.traceId, origin: request.origin ?? null, personalTarget: request.personalTarget ?? null };
      const builtin = this.builtins?.find(label, plugin.sha256, request.fn) ?? null;
      const raw =
        builtin && this.builtins
          ? await this.builtins.call(builtin, { label, fn: request.fn, config: request.config, params: request.params ?? {}, timeoutMs: request.timeoutMs, context })
          : await this.sandbox.call({
              script: { key, label, source: plugin.source, sha256: plugin.sha256 },
              fn: request.fn,
              config: request.config,
              params: request.params ?? {},
              timeoutMs: request.timeoutMs,
              context,
              transient: request.transient,
            });
      // Own __proto__/constructor keys go before anything looks at the result; masking comes last,
      // so a short secret cannot garble a field the contract checks.
      result = sanitizeResult(raw);
      assertContractResult(this.schemas, label, request.fn, result);
    } catch (err) {
      throw err instanceof AppError ? this.scrubber.scoped(key).scrubError(err) : err;
    }
    // Only this interface's secrets: another interface's short secret must not garble this answer.
    return this.scrubber.scoped(key).scrubValue(result) as PluginResult<F>;
  }

  /**
   * The config's secret values, read once per config object and schema: a dispatch batch sends
   * many records through one stored config, and walking the schema per send showed in profiles.
   */
  private secretValuesOf(schema: Record<string, unknown>, config: unknown): string[] {
    if (typeof config !== 'object' || config === null) return this.configs.secretValues(schema, config);
    const cached = this.secretsByConfig.get(config);
    if (cached && cached.schema === schema) return cached.values;
    const values = this.configs.secretValues(schema, config);
    this.secretsByConfig.set(config, { schema, values });
    return values;
  }

  /** Closes the sandbox: calls in flight fail with plugins.sandbox_crashed. */
  close(): Promise<void> {
    this.builtins?.close();
    return this.sandbox.close();
  }

  /** Calls run by a host-code twin so far (0 when they are off). */
  get builtinCalls(): number {
    return this.builtins?.callCount ?? 0;
  }

  /** Drops an instance's compiled script and its registered secrets. */
  evict(instanceKey: string): void {
    this.sandbox.evict(instanceKey);
    this.scrubber.delete(instanceKey);
  }
}

/** A freshly inspected file as a callable plugin (the CLI and the tests call files, not rows). */
export function callableFromScan(scanned: ScannedPlugin): CallablePlugin {
  return {
    label: `${scanned.pluginType}/${scanned.pluginId}`,
    source: scanned.source,
    sha256: scanned.sha256,
    functions: scanned.functions,
    configSchema: scanned.configSchema,
    valid: scanned.valid,
    invalidReason: scanned.invalidReason,
    available: true,
  };
}
