import type { AppConfig } from '../../config/app-config.js';
import type { HostLogSink } from './host/host-api.types.js';
import { JsonSchemaValidator } from './json-schema-validator.js';
import { callableFromScan, PluginCallPipeline, type PluginResult } from './plugin-call-pipeline.js';
import { PluginConfigService } from './plugin-config.service.js';
import type { PluginType } from './plugin-contract.js';
import { PluginInspector, type Inspection } from './plugin-inspector.js';
import { createSandboxPool, createTrustedBuiltins } from './plugin-sandbox.factory.js';
import type { ScannedPlugin } from './plugins.types.js';
import { SecretScrubber } from './secret-scrubber.js';

export interface WorkbenchOptions {
  config: AppConfig;
  /** Receives plugin log lines; given the scrubber so lines can be masked like the server's. */
  logSink: (scrubber: SecretScrubber) => HostLogSink;
  pluginType: PluginType;
  pluginId: string;
  source: string;
}

/**
 * One plugin script outside the server — the author CLI and the tests: inspected by the same
 * PluginInspector as the scanner, then called through the same PluginCallPipeline and sandbox
 * (worker threads, DefaultHostApi from the configuration) as PluginRuntime, host-code twins of
 * shipped scripts included unless the configuration turns them off.
 */
export class PluginWorkbench {
  readonly configs: PluginConfigService;

  private constructor(
    readonly inspection: Inspection,
    private readonly pipeline: PluginCallPipeline,
    schemas: JsonSchemaValidator,
  ) {
    this.configs = new PluginConfigService(schemas);
  }

  static async open(options: WorkbenchOptions): Promise<PluginWorkbench> {
    const scrubber = new SecretScrubber();
    const schemas = new JsonSchemaValidator();
    const logSink = options.logSink(scrubber);
    const sandbox = createSandboxPool(options.config, logSink);
    const inspection = await new PluginInspector(sandbox, schemas).inspect(options.pluginType, options.pluginId, options.source);
    const builtins = createTrustedBuiltins(options.config, logSink);
    return new PluginWorkbench(inspection, new PluginCallPipeline(sandbox, schemas, new PluginConfigService(schemas), scrubber, builtins), schemas);
  }

  /** The verdict, or null when the sandbox could not judge the script. */
  get plugin(): ScannedPlugin | null {
    return this.inspection.kind === 'verdict' ? this.inspection.plugin : null;
  }

  /** Calls `fn(config, params)` as the server would (refusals, limits, result check, masking). */
  call<F extends string>(fn: F, config: unknown, params: unknown = {}): Promise<PluginResult<F>> {
    const plugin = this.plugin;
    if (plugin === null) throw new Error(`the script was not inspected: ${this.inspection.kind === 'retry' ? this.inspection.reason : ''}`);
    return this.pipeline.call(callableFromScan(plugin), {
      fn,
      config,
      params,
      instanceKey: `file:${plugin.pluginType}/${plugin.pluginId}`,
      interfaceId: null,
      traceId: null,
    });
  }

  /** Calls run by a shipped script's host-code twin rather than the sandbox (PLUGIN_TRUSTED_BUILTINS). */
  get builtinCalls(): number {
    return this.pipeline.builtinCalls;
  }

  close(): Promise<void> {
    return this.pipeline.close();
  }
}
