import type { Logger } from 'pino';
import type { HostLogEntry, HostLogSink, LogLevel } from './host/host-api.types.js';
import type { SecretScrubber } from './secret-scrubber.js';

/**
 * Where a plugin's log lines go: the app log, with the plugin, interface, function and trace id
 * from the host's call context. The plugin's own fields sit under `plugin_fields`, so whatever
 * keys a script chooses (`level`, `time`, `service`, `pid`, `msg`, `trace_id`, `plugin` ...) are
 * data inside that object and never the line's own keys.
 *
 * Secrets (the calling interface's secret config values) are masked in the message and in every
 * field value and key before pino encodes anything (see SecretScrubber for why never after).
 * Not done here: volume caps and field bounds, which the host API applies per call before an entry
 * reaches the sink (host-log.ts, host-api.ts).
 */
export function pluginLogSink(logger: Logger, scrubber: SecretScrubber): HostLogSink {
  return (entry: HostLogEntry): void => {
    // Before any masking: a line pino will drop costs nothing (the host's debug line per request).
    if (!logger.isLevelEnabled(entry.level)) return;
    const { context } = entry;
    const line: Record<string, unknown> = { plugin: context.plugin, fn: context.fn };
    if (context.interfaceId !== null) line.interface_id = context.interfaceId;
    if (context.traceId !== null) line.trace_id = context.traceId;
    // From the call itself, not from the async context this callback runs in (a worker's message
    // port, which belongs to no call).
    if (context.origin) {
      line.transport = context.origin.transport;
      line.operation = context.origin.operation;
    }
    if (Object.keys(entry.fields).length > 0) line.plugin_fields = scrubber.scrubValue(entry.fields);
    logger[entry.level](line, scrubber.scrubText(entry.message));
  };
}

const HOST_LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** The plugin log levels `logger` writes: the sandbox drops the others before they leave a worker. */
export function enabledLogLevels(logger: Logger): LogLevel[] {
  return HOST_LOG_LEVELS.filter((level) => logger.isLevelEnabled(level));
}
