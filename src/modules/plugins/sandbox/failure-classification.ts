import type { AppError } from '../../../common/errors/app-error.js';
import type { BridgeReply, ScriptFailure } from './bridge/bridge-protocol.js';
import {
  functionNotFound,
  invalidPlugin,
  invalidResult,
  outOfMemory,
  resultTooLarge,
  sandboxCrashed,
  scriptError,
  stackOverflow,
  timedOut,
} from './sandbox-errors.js';
import type { SandboxLimits } from './sandbox.types.js';

/**
 * Turns what QuickJS or the bridge said about a call into the AppError the caller gets. Limits
 * come first: an exception thrown while the deadline had fired is a timeout whatever it says; an
 * error with nothing readable, or a `throw null`, while the heap is full is out of memory (QuickJS
 * could not even allocate the error object).
 */
export interface FailureContext {
  label: string;
  /** The function, or '<load>' while the script's top level runs. */
  fn: string;
  limits: SandboxLimits;
  /** The call's own budget, for the message. */
  timeoutMs: number;
  /** The deadline fired during this VM entry. */
  interrupted: boolean;
  heapExhausted(): boolean;
  /** Effective stack limit (clamped). */
  stackBytes: number;
}

/** A raw exception value that came back from the VM (the bridge rethrows limit errors raw). */
export function classifyThrown(thrown: { name: string | null; message: string | null }, context: FailureContext): AppError {
  const { label, fn, limits } = context;
  const phase = fn === '<load>' ? 'load' : 'running';
  const { name, message } = thrown;
  if (name === 'InternalError') {
    if (message === 'interrupted' && context.interrupted) return timedOut(label, fn, context.timeoutMs, phase);
    if (message === 'out of memory') return outOfMemory(label, fn, limits.memoryBytes, phase);
    if (message === 'stack overflow') return stackOverflow(label, fn, context.stackBytes, phase);
  }
  if (context.interrupted) return timedOut(label, fn, context.timeoutMs, phase);
  // Reading the error's strings needs heap: nothing readable means the heap is full.
  if (!name && !message && context.heapExhausted()) return outOfMemory(label, fn, limits.memoryBytes, phase);
  return scriptError(label, fn, { name: name || 'Error', message: message ?? 'unknown error', code: null, line: null });
}

/** A failure while the script's top level ran: a limit, or the script is broken (invalid_plugin). */
export function classifyLoadFailure(thrown: { name: string | null; message: string | null }, described: ScriptFailure | null, context: FailureContext): AppError {
  const limit = classifyThrown(thrown, context);
  if (limit.code !== 'plugins.script_error') return limit;
  return invalidPlugin(context.label, described ?? { name: thrown.name ?? 'Error', message: thrown.message ?? 'unknown error', code: null, line: null });
}

/** What the bridge answered for a call: the result JSON, or the error. */
export function classifyReply(reply: BridgeReply, context: FailureContext): { json: string } | { error: AppError } {
  const { label, fn, limits } = context;
  switch (reply.kind) {
    case 'result': {
      const { json } = reply;
      if (json.length * 3 > limits.maxResultBytes) {
        const bytes = Buffer.byteLength(json);
        if (bytes > limits.maxResultBytes) return { error: resultTooLarge(label, fn, bytes, limits.maxResultBytes) };
      }
      return { json };
    }
    case 'error': {
      const { failure } = reply;
      if (context.interrupted && failure.name === 'InternalError' && failure.message === 'interrupted') {
        return { error: timedOut(label, fn, context.timeoutMs, 'running') };
      }
      // QuickJS throws null when it cannot allocate the error for an out-of-memory condition.
      if (isNullThrow(failure) && context.heapExhausted()) return { error: outOfMemory(label, fn, limits.memoryBytes, 'running') };
      return { error: scriptError(label, fn, failure) };
    }
    case 'invalid':
      return { error: invalidResult(label, fn, reply.why) };
    case 'tooLarge':
      return { error: resultTooLarge(label, fn, reply.chars, limits.maxResultBytes) };
    case 'missing':
      return { error: functionNotFound(label, fn) };
    case 'unreadable':
      // Copying the result out needs heap: an empty read means the heap was exhausted.
      return { error: context.heapExhausted() ? outOfMemory(label, fn, limits.memoryBytes, 'running') : sandboxCrashed(label, fn, 'unreadable result') };
  }
}

function isNullThrow(failure: ScriptFailure): boolean {
  return failure.name === 'Error' && (failure.message === 'null' || failure.message === '') && failure.line === null;
}
