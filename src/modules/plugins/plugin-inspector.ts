import { createHash } from 'node:crypto';
import { AppError } from '../../common/errors/app-error.js';
import type { JsonSchemaValidator } from './json-schema.js';
import {
  DEFAULT_VERSION,
  MAX_SOURCE_BYTES,
  missingFunctions,
  NOTIFIER_CHANNELS,
  SEMVER_PATTERN,
  type PluginType,
} from './plugin-contract.js';
import type { ScannedPlugin } from './plugins.types.js';
import type { SandboxPool } from './sandbox/sandbox-pool.js';

/**
 * Validates one script against the contract, in the sandbox: it must evaluate, define every
 * function its type requires, and answer version() / config_schema() / channel() in the right
 * shape. Never throws for a bad script: the result says invalid, with the reason an author needs.
 * Shared by the scanner and `npm run plugin -- check`.
 */
export class PluginInspector {
  constructor(
    private readonly sandbox: SandboxPool,
    private readonly schemas: JsonSchemaValidator,
  ) {}

  async inspect(pluginType: PluginType, pluginId: string, source: string): Promise<ScannedPlugin> {
    const sha256 = createHash('sha256').update(source).digest('hex');
    const base: ScannedPlugin = {
      pluginType,
      pluginId,
      version: DEFAULT_VERSION,
      source,
      sha256,
      functions: [],
      hasAdminPage: false,
      configSchema: null,
      channel: null,
      valid: false,
      invalidReason: null,
    };
    const label = `${pluginType}/${pluginId}`;
    const invalid = (reason: string): ScannedPlugin => ({ ...base, valid: false, invalidReason: reason });

    if (Buffer.byteLength(source) > MAX_SOURCE_BYTES) return invalid(`script is larger than ${MAX_SOURCE_BYTES} bytes`);

    let functions: string[];
    try {
      functions = (await this.sandbox.inspect(source, label)).functions.sort();
    } catch (err) {
      return invalid(reasonOf(err));
    }
    base.functions = functions;
    base.hasAdminPage = functions.includes('admin_page');

    const missing = missingFunctions(pluginType, functions);
    if (missing.length > 0) return invalid(`missing required function${missing.length > 1 ? 's' : ''} for a ${pluginType}: ${missing.join(', ')}`);

    const key = `scan:${label}:${sha256}`;
    const call = (fn: string) =>
      this.sandbox.call({ script: { key, label, source, sha256 }, fn, config: {}, params: {}, context: { interfaceId: null, traceId: null } });
    try {
      if (functions.includes('version')) {
        const version = await call('version');
        if (typeof version !== 'string' || !SEMVER_PATTERN.test(version)) {
          return invalid(`version() must return a semantic version such as "1.2.0", got ${describe(version)}`);
        }
        base.version = version;
      }

      const schema = await call('config_schema');
      if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
        return invalid(`config_schema() must return a JSON Schema object, got ${describe(schema)}`);
      }
      try {
        this.schemas.compile(schema);
      } catch (err) {
        return invalid(`config_schema() is not a valid JSON Schema: ${(err as Error).message}`);
      }
      base.configSchema = schema as Record<string, unknown>;

      if (pluginType === 'notifier') {
        const channel = await call('channel');
        if (typeof channel !== 'string' || !(NOTIFIER_CHANNELS as readonly string[]).includes(channel)) {
          return invalid(`channel() must return one of ${NOTIFIER_CHANNELS.join(', ')}, got ${describe(channel)}`);
        }
        base.channel = channel;
      }
    } catch (err) {
      return invalid(reasonOf(err));
    } finally {
      this.sandbox.evict(key);
    }
    return { ...base, valid: true, invalidReason: null };
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof AppError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
