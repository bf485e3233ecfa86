import { systemClock, type Clock } from '../../common/clock.js';
import type { AppConfig } from '../../config/app-config.js';
import { TrustedBuiltins } from './builtin/trusted-builtins.js';
import type { HostApiSettings, HostLogSink, LogLevel } from './host/host-api.types.js';
import { DefaultHostApi } from './host/default-host-api.js';
import { SandboxPool } from './sandbox/sandbox-pool.js';

/** The SandboxPool of the process, shared by the runtime and the scanner (Nest injection token). */
export const SANDBOX_POOL = Symbol('SANDBOX_POOL');

/** Where plugin log lines go, and the levels written there: one for the sandbox and the twins (Nest injection token). */
export const PLUGIN_LOG = Symbol('PLUGIN_LOG');

export interface PluginLog {
  sink: HostLogSink;
  levels: readonly LogLevel[];
}

/** Host API settings from the app configuration. */
export function hostSettings(config: AppConfig): HostApiSettings {
  return {
    http: {
      defaultTimeoutMs: Math.min(10_000, config.plugins.timeoutMs),
      maxTimeoutMs: config.plugins.timeoutMs,
      maxResponseBytes: config.plugins.httpMaxResponseBytes,
      maxRequestBytes: 1024 * 1024,
      allow: config.plugins.httpAllow,
      personalAllow: config.plugins.personalTargetAllow,
    },
    mail: {
      smtpUrl: config.smtp.url,
      from: config.smtp.from,
      timeoutMs: Math.min(30_000, config.plugins.timeoutMs),
      allowedSenders: config.smtp.allowedSenders,
    },
  };
}

/**
 * The sandbox with the configured limits and host; `logSink` receives the plugin log lines, of
 * `logLevels` only when given (the others are dropped on the sandbox's threads).
 */
export function createSandboxPool(config: AppConfig, logSink: HostLogSink, clock: Clock = systemClock, logLevels?: readonly LogLevel[]): SandboxPool {
  return new SandboxPool({
    limits: {
      timeoutMs: config.plugins.timeoutMs,
      memoryBytes: config.plugins.memoryBytes,
      stackBytes: config.plugins.stackBytes,
      maxResultBytes: config.plugins.maxResultBytes,
    },
    host: hostSettings(config),
    logSink,
    logLevels,
    workers: config.plugins.workers,
    now: () => clock.epochMs(),
    // Scan-time code nobody has vetted gets a host that does no I/O.
    inspectionHostModule: { url: new URL('./host/inspection-host-api.js', import.meta.url).href, exportName: 'InspectionHostApi' },
  });
}

/**
 * The host-code twins of shipped scripts, run on this thread with a host of their own (the
 * sandbox threads' settings, clock and log sink), or null when PLUGIN_TRUSTED_BUILTINS is off.
 */
export function createTrustedBuiltins(config: AppConfig, logSink: HostLogSink, clock: Clock = systemClock, logLevels?: readonly LogLevel[]): TrustedBuiltins | null {
  if (!config.plugins.trustedBuiltins) return null;
  return new TrustedBuiltins(new DefaultHostApi(hostSettings(config), logSink, { now: () => clock.epochMs() }), config.plugins.timeoutMs, logLevels ?? null);
}
