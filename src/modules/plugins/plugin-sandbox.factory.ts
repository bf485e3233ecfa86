import type { Logger } from 'pino';
import type { AppConfig } from '../../config/app-config.js';
import type { HostApiSettings, HostLogEntry, HostLogSink } from './host/host-api.types.js';
import { SandboxPool } from './sandbox/sandbox-pool.js';
import type { SecretScrubber } from './secret-scrubber.js';

/** The SandboxPool of the process, shared by the runtime and the scanner (Nest injection token). */
export const SANDBOX_POOL = Symbol('SANDBOX_POOL');

/** Host API settings from the app configuration. */
export function hostSettings(config: AppConfig): HostApiSettings {
  return {
    http: {
      defaultTimeoutMs: Math.min(10_000, config.plugins.timeoutMs),
      maxTimeoutMs: config.plugins.timeoutMs,
      maxResponseBytes: config.plugins.httpMaxResponseBytes,
      maxRequestBytes: 1024 * 1024,
      allow: config.plugins.httpAllow,
    },
    mail: { smtpUrl: config.smtp.url, from: config.smtp.from, timeoutMs: Math.min(30_000, config.plugins.timeoutMs) },
  };
}

/**
 * Plugin log lines go to the app log with the plugin, interface and function as context. Values
 * registered as secrets (the calling interface's secret config values) are masked in them: a
 * script that logs its own API key does not leak it.
 */
export function pluginLogSink(logger: Logger, scrubber: SecretScrubber): HostLogSink {
  return (entry: HostLogEntry): void => {
    const { context } = entry;
    const line = scrubber.scrub(JSON.stringify({ ...entry.fields, message: entry.message }));
    const { message, ...fields } = JSON.parse(line) as Record<string, unknown>;
    logger[entry.level](
      { ...fields, plugin: context.plugin, interface_id: context.interfaceId ?? undefined, fn: context.fn, trace_id: context.traceId ?? undefined },
      String(message),
    );
  };
}

/** The sandbox with the configured limits and host; `logSink` receives the plugin log lines. */
export function createSandboxPool(config: AppConfig, logSink: HostLogSink): SandboxPool {
  return new SandboxPool({
    limits: {
      timeoutMs: config.plugins.timeoutMs,
      memoryBytes: config.plugins.memoryBytes,
      stackBytes: config.plugins.stackBytes,
      maxResultBytes: config.plugins.maxResultBytes,
    },
    host: hostSettings(config),
    logSink,
    workers: config.plugins.workers,
  });
}
