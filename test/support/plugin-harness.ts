import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/app-config.js';
import { BUILTIN_PLUGINS_DIR } from '../../src/config/paths.js';
import { AppError } from '../../src/common/errors/app-error.js';
import { isPluginType } from '../../src/modules/plugins/plugin-contract.js';
import { PluginWorkbench } from '../../src/modules/plugins/plugin-workbench.js';

export interface HarnessLogLine {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

export interface PluginHarness {
  /** Runs `fn` in the real sandbox with the real host API and checks the result like the runtime does. */
  call(fn: string, config: unknown, params?: unknown): Promise<any>;
  logs: HarnessLogLine[];
  /** Calls a shipped script's host-code twin answered (0 with `trustedBuiltins: false`). */
  builtinCalls(): number;
  close(): Promise<void>;
}

/**
 * Loads a built-in plugin script (relative to plugins/, e.g. 'notifier/webhook.js') the way the
 * server does: inspected by PluginInspector (a script that is invalid fails here with the reason),
 * then called through the server's PluginCallPipeline, in worker threads with DefaultHostApi built
 * from the configuration. `allow` lists the local fake servers the script may reach
 * ("127.0.0.1:<port>"). Log lines are masked like the server's. `trustedBuiltins: false` runs a
 * shipped script's functions in the sandbox even where a host-code twin exists.
 */
export async function loadPlugin(
  file: string,
  options: { allow?: string[]; smtpUrl?: string; timeoutMs?: number; trustedBuiltins?: boolean } = {},
): Promise<PluginHarness> {
  const [pluginType, name] = file.split('/');
  if (!isPluginType(pluginType) || !name?.endsWith('.js')) throw new Error(`not a plugin path: ${file}`);
  const pluginId = name.slice(0, -3);
  const source = readFileSync(join(BUILTIN_PLUGINS_DIR, file), 'utf8');
  const logs: HarnessLogLine[] = [];
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'unused-by-the-plugin-harness-0123456789abcdef',
    PLUGIN_TIMEOUT_MS: String(options.timeoutMs ?? 5_000),
    PLUGIN_WORKERS: '1',
    PLUGIN_TRUSTED_BUILTINS: options.trustedBuiltins === false ? 'false' : 'true',
    PLUGIN_HTTP_ALLOW: (options.allow ?? []).join(','),
    SMTP_FROM: 'Switchboard <switchboard@test.local>',
    // The email plugin's tests send as billing@shop.example, as an operator would allow it.
    PLUGIN_MAIL_ALLOWED_SENDERS: '@shop.example',
    ...(options.smtpUrl ? { SMTP_URL: options.smtpUrl } : {}),
  });
  const workbench = await PluginWorkbench.open({
    config,
    logSink: (scrubber) => (entry) => {
      logs.push({ level: entry.level, message: scrubber.scrub(entry.message), fields: scrubber.scrubValue<Record<string, unknown>>(entry.fields) });
    },
    pluginType,
    pluginId,
    source,
  });
  const plugin = workbench.plugin;
  if (plugin === null || !plugin.valid) {
    await workbench.close();
    const why = plugin === null ? 'the sandbox could not inspect it' : `${file} is invalid: ${plugin.invalidReason}`;
    throw new AppError('plugins.invalid_plugin', why);
  }
  return {
    logs,
    call: (fn, pluginConfig, params = {}) => workbench.call(fn, pluginConfig, params),
    builtinCalls: () => workbench.builtinCalls,
    close: () => workbench.close(),
  };
}
