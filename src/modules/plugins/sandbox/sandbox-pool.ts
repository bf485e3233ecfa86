/**
 * Plugin sandbox engine: runs functions of untrusted plugin scripts (plain JavaScript, top-level
 * functions taking `(config, params)`) in QuickJS compiled to WebAssembly, with JSON in and JSON out.
 *
 * Responsibility boundaries
 * - This directory: loading scripts, bridging the HostApi into them (bridge/), limits
 *   (deadline, heap, stack, result size), error mapping to AppError codes, instance caching, and
 *   choosing the thread a call runs on. SandboxPool is the public entry point.
 * - Not here: what host functions do (../host, HostApi), finding and validating plugins, config
 *   schemas, Nest wiring, logging of entries (the caller's HostLogSink).
 *
 * Isolation
 * - Each loaded plugin instance has its own WebAssembly module and capped linear memory (the only
 *   memory limit this QuickJS build really enforces, see quickjs-module-factory.ts), its own
 *   runtime and context. Only strings cross into or out of the script, so no host object is ever
 *   reachable from it, and scripts see no Node API.
 * - Deadlines: QuickJS's interrupt handler, with an adaptive check interval, for running code; a
 *   Node timer for time spent awaiting host promises; for workers, terminate() as the hard backstop.
 *   After a limit violation the instance is discarded (the next call reloads it, ~2 ms).
 *
 * Threads: every call runs on a worker thread (a small pool, PLUGIN_WORKERS), never on the
 *   calling thread. QuickJS checks its deadline only between operations, so a single expensive
 *   builtin (a quadratic String.prototype.indexOf, a huge Array.fill) cannot be interrupted from
 *   inside: only a thread can be killed. A hostile script therefore stalls at most its worker, which
 *   is terminated and replaced when it overruns a deadline by the grace period; the event loop that
 *   serves requests is never held. (An adaptive "inline" tier on the main thread used to exist: it
 *   saved ~30-50 µs a call and let one builtin stall the server for 40 s. bench/plugin-call.ts
 *   still prints what the engine costs on the calling thread, for comparison.)
 * - Calls go to the least loaded worker, preferring the one that has the script loaded.
 * - Inspections (scan time, unvetted code) run on workers of their own with a host that does no I/O,
 *   so a looping script under inspection never delays calls.
 */
import { AppError } from '../../../common/errors/app-error.js';
import { fromWireError, invalidArguments, sandboxCrashed } from './sandbox-errors.js';
import type { ExecRequest, HostModuleRef, SandboxCallRequest, SandboxLimits, SandboxPoolOptions } from './sandbox.types.js';
import { WorkerExecutor } from './worker-executor.js';

export const DEFAULT_HOST_MODULE: HostModuleRef = {
  url: new URL('../host/default-host-api.js', import.meta.url).href,
  exportName: 'DefaultHostApi',
};

/** One probe call of an inspection: its JSON result, or the error it ended with. */
export type InspectResult = { ok: true; value: unknown } | { ok: false; error: AppError };

export class SandboxPool {
  private readonly limits: SandboxLimits;
  private readonly hostModule: HostModuleRef;
  private workers: WorkerExecutor | null = null;
  /** Inspections run on workers of their own: a slow or looping unvetted script never delays calls. */
  private inspectors: WorkerExecutor | null = null;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: SandboxPoolOptions) {
    this.now = options.now ?? Date.now;
    this.limits = options.limits;
    this.hostModule = options.hostModule ?? DEFAULT_HOST_MODULE;
  }

  /**
   * Loads `source` in a throwaway instance on the inspection workers (scan-time code nobody has
   * vetted), lists its top-level functions and calls each of `calls` it defines with `({}, {})`.
   * Syntax errors and top-level throws reject with plugins.invalid_plugin. The budget of the load
   * and of each call is limits.timeoutMs of the script's own time: the sandbox's start-up does not
   * count.
   */
  async inspect(
    source: string,
    label: string,
    calls: readonly string[] = [],
    timeoutMs = this.limits.timeoutMs,
  ): Promise<{ functions: string[]; results: Record<string, InspectResult> }> {
    if (this.closed) throw sandboxCrashed(label, '<load>', 'sandbox closed');
    const outcome = await this.inspectionExecutor().inspect(source, label, this.now() + timeoutMs, timeoutMs, [...calls]);
    const results: Record<string, InspectResult> = {};
    for (const [fn, result] of Object.entries(outcome.results)) {
      results[fn] = 'json' in result ? { ok: true, value: JSON.parse(result.json) as unknown } : { ok: false, error: fromWireError(result.error) };
    }
    return { functions: outcome.functions, results };
  }

  /** Calls `fn(config, params)` of the script and resolves with its JSON result (undefined → null). */
  async call(request: SandboxCallRequest): Promise<unknown> {
    const { script, fn } = request;
    if (this.closed) throw sandboxCrashed(script.label, fn, 'sandbox closed');
    const timeoutMs = request.timeoutMs ?? this.limits.timeoutMs;
    const argsJson = encodeArguments(request);
    const exec: ExecRequest = { script, fn, argsJson, deadline: this.now() + timeoutMs, timeoutMs, context: request.context, transient: request.transient };
    return JSON.parse(await this.workerExecutor().call(exec)) as unknown;
  }

  /** The budget of one call (PLUGIN_TIMEOUT_MS). */
  get timeoutMs(): number {
    return this.limits.timeoutMs;
  }

  /** Drops the cached instances of `key` (a changed sha256 reloads anyway). */
  evict(key: string): void {
    this.workers?.evict(key);
  }

  /** Workers terminated and replaced so far. */
  get workerReplacements(): number {
    return (this.workers?.replacements ?? 0) + (this.inspectors?.replacements ?? 0);
  }

  /** Disposes every instance and terminates the workers; calls in flight fail with plugins.sandbox_crashed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.workers?.close(), this.inspectors?.close()]);
  }

  private inspectionExecutor(): WorkerExecutor {
    this.inspectors ??= this.newWorkerExecutor(this.options.inspectionHostModule ?? this.hostModule);
    return this.inspectors;
  }

  private workerExecutor(): WorkerExecutor {
    this.workers ??= this.newWorkerExecutor(this.hostModule);
    return this.workers;
  }

  private newWorkerExecutor(hostModule: HostModuleRef): WorkerExecutor {
    return new WorkerExecutor({
      limits: this.limits,
      host: this.options.host,
      hostModule,
      logSink: this.options.logSink,
      logLevels: this.options.logLevels ?? null,
      workers: this.options.workers ?? 2,
      graceMs: this.options.graceMs ?? 1_000,
      maxInstances: this.options.maxInstances ?? 256,
      now: this.now,
    });
  }
}

function encodeArguments(request: SandboxCallRequest): string {
  try {
    return `[${JSON.stringify(request.config) ?? 'null'},${JSON.stringify(request.params) ?? 'null'}]`;
  } catch (error) {
    throw error instanceof AppError ? error : invalidArguments(request.script.label, request.fn);
  }
}
