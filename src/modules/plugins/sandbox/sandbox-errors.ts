import { AppError, type ErrorDetails } from '../../../common/errors/app-error.js';
import { isErrorCode, type ErrorCode } from '../../../common/errors/error-codes.js';
import type { ScriptFailure } from './bridge/bridge-protocol.js';

export type { ScriptFailure } from './bridge/bridge-protocol.js';

/**
 * Builders for the AppErrors a plugin call can end with, and their structured-clone form for the
 * worker boundary. Messages name the plugin and function and carry the script's own message,
 * never a host stack trace. Details hold what a client may see (plugin, function, a limit); where
 * the call was when it failed (`phase`) is sandbox-internal and travels beside them, not in them.
 */

/** Where a call was when a limit hit it: 'queued' and 'awaiting_host' are not the script's own CPU or memory. */
export type TimeoutPhase = 'running' | 'load' | 'awaiting_host' | 'queued';

/** An AppError from the sandbox, with the sandbox-internal phase beside the client-visible details. */
export class SandboxError extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    details: ErrorDetails | null,
    readonly phase: TimeoutPhase | null = null,
  ) {
    super(code, message, details);
  }
}

export interface WireError {
  code: string;
  message: string;
  details: ErrorDetails | null;
  phase: TimeoutPhase | null;
}

const MB = 1024 * 1024;

export function functionNotFound(plugin: string, fn: string): AppError {
  return new AppError('plugins.function_not_found', `Plugin ${plugin} has no function ${fn}`, { plugin, function: fn });
}

export function timedOut(plugin: string, fn: string, timeoutMs: number, phase: TimeoutPhase): AppError {
  const what = phase === 'load' ? 'timed out while loading' : `${fn} timed out`;
  const why = phase === 'awaiting_host' ? ' (awaiting a host call)' : phase === 'queued' ? ' (before it could start)' : '';
  return new SandboxError('plugins.timeout', `Plugin ${plugin}: ${what} after ${timeoutMs} ms${why}`, { plugin, function: fn }, phase);
}

export function outOfMemory(plugin: string, fn: string, memoryBytes: number, phase: 'running' | 'load'): AppError {
  const limit = `${Math.round((memoryBytes / MB) * 10) / 10} MB`;
  return new SandboxError('plugins.out_of_memory', `Plugin ${plugin}: ${fn} ran out of memory (limit ${limit})`, { plugin, function: fn, memoryBytes }, phase);
}

export function stackOverflow(plugin: string, fn: string, stackBytes: number, phase: 'running' | 'load'): AppError {
  return new SandboxError('plugins.stack_overflow', `Plugin ${plugin}: ${fn} overflowed the stack (limit ${stackBytes / 1024} KB)`, { plugin, function: fn, stackBytes }, phase);
}

export function resultTooLarge(plugin: string, fn: string, size: number, maxResultBytes: number): AppError {
  return new AppError(
    'plugins.result_too_large',
    `Plugin ${plugin}: ${fn} returned ${size} bytes of JSON, more than the ${maxResultBytes} allowed`,
    { plugin, function: fn, size, maxResultBytes },
  );
}

export function invalidResult(plugin: string, fn: string, why: string): AppError {
  return new AppError('plugins.invalid_result', `Plugin ${plugin}: ${fn} returned a value that is not JSON-serialisable: ${why}`, {
    plugin,
    function: fn,
  });
}

export function scriptError(plugin: string, fn: string, failure: ScriptFailure): AppError {
  const at = failure.line === null ? '' : ` (line ${failure.line})`;
  return new AppError('plugins.script_error', `Plugin ${plugin}: ${fn} threw ${failure.name}: ${failure.message}${at}`, {
    plugin,
    function: fn,
    name: failure.name,
    message: failure.message,
    line: failure.line,
    ...(failure.code === null ? {} : { code: failure.code }),
  });
}

export function invalidPlugin(plugin: string, failure: ScriptFailure): AppError {
  const at = failure.line === null ? '' : ` (line ${failure.line})`;
  return new AppError('plugins.invalid_plugin', `Plugin ${plugin} failed to load: ${failure.name}: ${failure.message}${at}`, {
    plugin,
    name: failure.name,
    message: failure.message,
    line: failure.line,
  });
}

export function sandboxCrashed(plugin: string, fn: string, why: string): AppError {
  return new AppError('plugins.sandbox_crashed', `Plugin ${plugin}: ${fn} failed, the sandbox crashed (${why})`, { plugin, function: fn });
}

export function invalidArguments(plugin: string, fn: string): AppError {
  return new AppError('plugins.invalid_config', `Plugin ${plugin}: ${fn} called with config or params that are not JSON-serialisable`, {
    plugin,
    function: fn,
  });
}

export function toWireError(error: unknown): WireError {
  if (error instanceof AppError) return { code: error.code, message: error.message, details: error.details, phase: error instanceof SandboxError ? error.phase : null };
  // Not expected: the engine only throws AppErrors. Keep the message, never the stack.
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'plugins.sandbox_crashed', message: `sandbox failure: ${message.slice(0, 500)}`, details: null, phase: null };
}

export function fromWireError(wire: WireError): AppError {
  const code: ErrorCode = isErrorCode(wire.code) ? wire.code : 'plugins.sandbox_crashed';
  return new SandboxError(code, wire.message, wire.details, wire.phase);
}

const RETIRING_CODES = new Set<string>(['plugins.timeout', 'plugins.out_of_memory', 'plugins.stack_overflow']);

/**
 * A limit the script itself hit (its CPU, memory or stack): the instance that ran it is left in an
 * unknown state (half-done globals, a full heap) and is retired. A deadline that passed while the
 * call was still queued is not the script's doing.
 */
export function isScriptLimitViolation(error: AppError): boolean {
  if (!RETIRING_CODES.has(error.code)) return false;
  return !(error instanceof SandboxError && error.phase === 'queued');
}
