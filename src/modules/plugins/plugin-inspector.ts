import { createHash } from 'node:crypto';
import { AppError } from '../../common/errors/app-error.js';
import type { JsonSchemaValidator } from './json-schema-validator.js';
import {
  DEFAULT_VERSION,
  MAX_SOURCE_BYTES,
  missingFunctions,
  NOTIFIER_CHANNELS,
  SEMVER_PATTERN,
  type PluginType,
} from './plugin-contract.js';
import { printable } from './printable.js';
import type { ScannedPlugin } from './plugins.types.js';
import type { InspectResult, SandboxPool } from './sandbox/sandbox-pool.js';

/** config_schema() deeper than this is refused: no form needs it, and deep JSON hurts the host. */
export const MAX_SCHEMA_DEPTH = 32;
/** Longest invalid reason stored; the rest is cut. */
const MAX_REASON_CHARS = 1_000;
/** Top-level functions are identifiers; anything else the bridge reports is not a callable name. */
const FUNCTION_NAME = /^[A-Za-z_$][\w$]{0,127}$/;
const PROBES = ['version', 'config_schema', 'channel'] as const;
/** The run that confirms a timeout gets this many times the budget. */
const CONFIRM_FACTOR = 4;

/**
 * What inspecting a script came to: a verdict on the script (valid, or invalid with the reason an
 * author needs), or "the sandbox could not judge it" (it crashed, a worker would not start): then
 * nothing is decided and the caller tries again later.
 */
export type Inspection = { kind: 'verdict'; plugin: ScannedPlugin } | { kind: 'retry'; reason: string };

/**
 * Validates one script against the contract, in the sandbox: it must evaluate, define every
 * function its type requires, and answer version() / config_schema() / channel() in the right
 * shape. Never throws: a bad script gets an invalid verdict; a failure of the sandbox itself gets
 * 'retry', never a verdict on the script. A timeout is the script's fault only when it happens
 * twice in a row (the second run confirms a top-level loop; a one-off stall of a busy machine does
 * not condemn a script; the confirming run gets four times the budget). Reasons are printable (control characters escaped) and bounded, so every
 * verdict can be stored. Shared by the scanner and `npm run plugin -- check`.
 */
export class PluginInspector {
  constructor(
    private readonly sandbox: SandboxPool,
    private readonly schemas: JsonSchemaValidator,
  ) {}

  async inspect(pluginType: PluginType, pluginId: string, source: string): Promise<Inspection> {
    const first = await this.inspectOnce(pluginType, pluginId, source);
    if (first.kind === 'timeout') {
      // Deadlines are wall time: a starved thread on a busy machine can miss one. The confirming run
      // gets CONFIRM_FACTOR times the budget; a script that loops forever still does not finish.
      const second = await this.inspectOnce(pluginType, pluginId, source, CONFIRM_FACTOR);
      if (second.kind !== 'timeout') return second;
      return { kind: 'verdict', plugin: first.plugin };
    }
    return first;
  }

  private async inspectOnce(
    pluginType: PluginType,
    pluginId: string,
    source: string,
    budgetFactor = 1,
  ): Promise<Inspection | { kind: 'timeout'; plugin: ScannedPlugin }> {
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
    const invalid = (reason: string): { kind: 'verdict'; plugin: ScannedPlugin } => ({
      kind: 'verdict',
      plugin: { ...base, valid: false, invalidReason: printable(reason, MAX_REASON_CHARS) },
    });
    const failed = (error: unknown): Inspection | { kind: 'timeout'; plugin: ScannedPlugin } => {
      if (!(error instanceof AppError) || error.code === 'plugins.sandbox_crashed') {
        return { kind: 'retry', reason: printable(messageOf(error), MAX_REASON_CHARS) };
      }
      if (error.code === 'plugins.timeout') return { kind: 'timeout', plugin: invalid(error.message).plugin };
      return invalid(error.message);
    };

    if (Buffer.byteLength(source) > MAX_SOURCE_BYTES) return invalid(`script is larger than ${MAX_SOURCE_BYTES} bytes`);
    const nul = source.indexOf('\u0000');
    if (nul >= 0) {
      // PostgreSQL text cannot hold NUL: the verdict is stored without the script.
      base.source = '';
      return invalid(`script contains a NUL character at offset ${nul}: plugin scripts are UTF-8 text`);
    }

    let inspected: { functions: string[]; results: Record<string, InspectResult> };
    try {
      inspected = await this.sandbox.inspect(source, label, PROBES, this.sandbox.timeoutMs * budgetFactor);
    } catch (error) {
      return failed(error);
    }
    const functions = inspected.functions.filter((name) => FUNCTION_NAME.test(name)).sort();
    base.functions = functions;
    base.hasAdminPage = functions.includes('admin_page');

    const missing = missingFunctions(pluginType, functions);
    if (missing.length > 0) return invalid(`missing required function${missing.length > 1 ? 's' : ''} for a ${pluginType}: ${missing.join(', ')}`);

    // Probes run in order and stop at the first limit violation: take the first failure in order.
    for (const fn of PROBES) {
      const result = inspected.results[fn];
      if (result && !result.ok) return failed(result.error);
    }
    const answer = (fn: (typeof PROBES)[number]): unknown => {
      const result = inspected.results[fn];
      return result?.ok ? result.value : undefined;
    };

    if (functions.includes('version')) {
      const version = answer('version');
      if (typeof version !== 'string' || !SEMVER_PATTERN.test(version)) {
        return invalid(`version() must return a semantic version such as "1.2.0", got ${describe(version)}`);
      }
      base.version = version;
    }

    const schema = answer('config_schema');
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      return invalid(`config_schema() must return a JSON Schema object, got ${describe(schema)}`);
    }
    const unstorable = jsonProblem(schema, MAX_SCHEMA_DEPTH);
    if (unstorable) return invalid(`config_schema() ${unstorable}`);
    try {
      this.schemas.compile(schema);
    } catch (err) {
      return invalid(`config_schema() is not a valid JSON Schema: ${messageOf(err)}`);
    }
    base.configSchema = schema as Record<string, unknown>;

    if (pluginType === 'notifier') {
      const channel = answer('channel');
      if (typeof channel !== 'string' || !(NOTIFIER_CHANNELS as readonly string[]).includes(channel)) {
        return invalid(`channel() must return one of ${NOTIFIER_CHANNELS.join(', ')}, got ${describe(channel)}`);
      }
      base.channel = channel;
    }
    return { kind: 'verdict', plugin: { ...base, valid: true, invalidReason: null } };
  }
}

/**
 * Why a JSON value cannot be stored and served as a schema: nested deeper than `maxDepth`, or a NUL
 * character in a key or string (PostgreSQL jsonb refuses it). Walks iteratively: the value may be
 * deep enough to overflow a recursive walk.
 */
export function jsonProblem(value: unknown, maxDepth: number): string | null {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 1, path: '' }];
  while (stack.length > 0) {
    const { value: node, depth, path } = stack.pop()!;
    if (typeof node === 'string') {
      if (node.includes('\u0000')) return `contains a NUL character (\\u0000) at ${path || '/'}`;
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    if (depth > maxDepth) return `is nested deeper than ${maxDepth} levels (at ${path || '/'})`;
    for (const [key, child] of Object.entries(node)) {
      const childPath = `${path}/${printable(key, 40)}`;
      if (key.includes('\u0000')) return `contains a NUL character (\\u0000) in a key at ${childPath}`;
      stack.push({ value: child, depth: depth + 1, path: childPath });
    }
  }
  return null;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function describe(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
