import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_PLUGINS_DIR } from '../../src/config/paths.js';
import { AppError } from '../../src/common/errors/app-error.js';
import { JsonSchemaValidator } from '../../src/modules/plugins/json-schema.js';
import { isPluginType } from '../../src/modules/plugins/plugin-contract.js';
import { PluginInspector } from '../../src/modules/plugins/plugin-inspector.js';
import { assertContractResult } from '../../src/modules/plugins/result-check.js';
import { SandboxPool } from '../../src/modules/plugins/sandbox/sandbox-pool.js';

export interface HarnessLogLine {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

export interface PluginHarness {
  /** Runs `fn` in the real sandbox with the real host API and checks the result like the runtime does. */
  call(fn: string, config: unknown, params?: unknown): Promise<any>;
  logs: HarnessLogLine[];
  close(): Promise<void>;
}

/**
 * Loads a built-in plugin script (relative to plugins/, e.g. 'notifier/webhook.js') the way the
 * server does: validated against the contract by PluginInspector (a script that is invalid fails
 * here with the reason), then called in a SandboxPool with DefaultHostApi. `allow` lists the
 * local fake servers the script may reach ("127.0.0.1:<port>").
 */
export async function loadPlugin(file: string, options: { allow?: string[]; smtpUrl?: string; timeoutMs?: number } = {}): Promise<PluginHarness> {
  const [pluginType, name] = file.split('/');
  if (!isPluginType(pluginType) || !name?.endsWith('.js')) throw new Error(`not a plugin path: ${file}`);
  const pluginId = name.slice(0, -3);
  const source = readFileSync(join(BUILTIN_PLUGINS_DIR, file), 'utf8');
  const logs: HarnessLogLine[] = [];
  const timeoutMs = options.timeoutMs ?? 5_000;
  const sandbox = new SandboxPool({
    limits: { timeoutMs, memoryBytes: 32 * 1024 * 1024, stackBytes: 256 * 1024, maxResultBytes: 1024 * 1024 },
    host: {
      http: { defaultTimeoutMs: timeoutMs, maxTimeoutMs: timeoutMs, maxResponseBytes: 5 * 1024 * 1024, maxRequestBytes: 1024 * 1024, allow: options.allow ?? [] },
      mail: { smtpUrl: options.smtpUrl ?? null, from: 'Switchboard <switchboard@test.local>', timeoutMs },
    },
    logSink: (entry) => logs.push({ level: entry.level, message: entry.message, fields: entry.fields }),
    workers: 1,
    tier: 'inline',
  });
  const schemas = new JsonSchemaValidator();
  const inspection = await new PluginInspector(sandbox, schemas).inspect(pluginType, pluginId, source);
  if (inspection.kind === 'retry' || !inspection.plugin.valid) {
    await sandbox.close();
    const why = inspection.kind === 'retry' ? `the sandbox could not inspect it: ${inspection.reason}` : `${file} is invalid: ${inspection.plugin.invalidReason}`;
    throw new AppError('plugins.invalid_plugin', why);
  }
  const scanned = inspection.plugin;
  const label = `${pluginType}/${pluginId}`;
  return {
    logs,
    async call(fn, config, params = {}) {
      const result = await sandbox.call({
        script: { key: `harness:${label}`, label, source, sha256: scanned.sha256 },
        fn,
        config,
        params,
        context: { interfaceId: null, traceId: null },
      });
      assertContractResult(schemas, label, fn, result);
      return result;
    },
    close: () => sandbox.close(),
  };
}
