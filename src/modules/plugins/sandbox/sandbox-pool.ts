/**
 * Plugin sandbox engine: runs functions of untrusted plugin scripts (plain JavaScript, top-level
 * functions taking `(config, params)`) in QuickJS compiled to WebAssembly, with JSON in and JSON out.
 *
 * Responsibility boundaries
 * - This directory: loading scripts, bridging the HostApi into them (host-bridge.ts), limits
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
 * Tiers (bench/plugin-call.ts on the dev machine: warm call through this pool ~16 µs inline,
 * ~35-80 µs through a worker)
 * - worker: a pool of worker threads running the same engine with their own HostApi (built from
 *   HostApiSettings; log entries are posted back). A hostile script can stall only its worker,
 *   which is terminated and replaced when it overruns a deadline by the grace period.
 * - inline: the calling (main) thread, the fast path. Deadline checks only happen between QuickJS
 *   operations, so a script looping over expensive builtins can overrun its deadline by up to
 *   ~1 000 × its most expensive single call, stalling the main thread meanwhile; only scripts with a
 *   clean record get here, and one such overrun sends them back to the workers.
 * - adaptive (default): scripts start in the worker tier, move inline after N consecutive clean
 *   calls, and go back to workers for good on any limit violation (tier-policy.ts).
 */
import { AppError } from '../../../common/errors/app-error.js';
import type { HostApi, HostApiSettings, HostLogSink } from '../host/host-api.types.js';
import { InlineExecutor } from './inline-executor.js';
import { fromWireError, invalidArguments, sandboxCrashed } from './sandbox-errors.js';
import type { ExecRequest, HostModuleRef, SandboxCallRequest, SandboxLimits, SandboxPoolOptions, SandboxTier } from './sandbox.types.js';
import { TierPolicy } from './tier-policy.js';
import { WorkerExecutor } from './worker-executor.js';

export const DEFAULT_HOST_MODULE: HostModuleRef = {
  url: new URL('../host/host-api.js', import.meta.url).href,
  exportName: 'DefaultHostApi',
};

type HostClass = new (settings: HostApiSettings, sink: HostLogSink) => HostApi;

/** One probe call of an inspection: its JSON result, or the error it ended with. */
export type InspectResult = { ok: true; value: unknown } | { ok: false; error: AppError };

export class SandboxPool {
  private readonly limits: SandboxLimits;
  private readonly policy: TierPolicy;
  private readonly hostModule: HostModuleRef;
  private inline: InlineExecutor | null = null;
  private workers: WorkerExecutor | null = null;
  /** Inspections run on workers of their own: a slow or looping unvetted script never delays calls. */
  private inspectors: WorkerExecutor | null = null;
  private closed = false;

  constructor(private readonly options: SandboxPoolOptions) {
    this.limits = options.limits;
    this.hostModule = options.hostModule ?? DEFAULT_HOST_MODULE;
    this.policy = new TierPolicy(options.tier ?? 'adaptive', options.promoteAfter ?? 20);
  }

  /**
   * Loads `source` in a throwaway instance (on the inspection workers unless the pool is forced
   * inline: this is scan-time code nobody has vetted), lists its top-level functions and calls each
   * of `calls` it defines with `({}, {})`. Syntax errors and top-level throws reject with
   * plugins.invalid_plugin. The budget of the load and of each call is limits.timeoutMs of the
   * script's own time: the sandbox's start-up does not count.
   */
  async inspect(source: string, label: string, calls: readonly string[] = []): Promise<{ functions: string[]; results: Record<string, InspectResult> }> {
    if (this.closed) throw sandboxCrashed(label, '<load>', 'sandbox closed');
    const timeoutMs = this.limits.timeoutMs;
    const deadline = Date.now() + timeoutMs;
    const executor = this.options.tier === 'inline' ? this.inlineExecutor() : this.inspectionExecutor();
    const outcome = await executor.inspect(source, label, deadline, timeoutMs, [...calls]);
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
    const tier = this.policy.tierFor(script.sha256);
    const started = Date.now();
    const exec: ExecRequest = { script, fn, argsJson, deadline: started + timeoutMs, timeoutMs, context: request.context };
    let json: string;
    try {
      json = await (tier === 'inline' ? this.inlineExecutor() : this.workerExecutor()).call(exec);
    } catch (error) {
      this.learn(script.key, script.sha256, tier, Date.now() - started, timeoutMs, error);
      throw error;
    }
    this.learn(script.key, script.sha256, tier, Date.now() - started, timeoutMs, null);
    return JSON.parse(json) as unknown;
  }

  /** Drops cached instances of `key` in both tiers (a changed sha256 reloads anyway). */
  evict(key: string): void {
    this.inline?.evict(key);
    this.workers?.evict(key);
  }

  /** The tier the next call of this script runs in. */
  tierOf(sha256: string): SandboxTier {
    return this.policy.tierFor(sha256);
  }

  /** Workers terminated and replaced so far. */
  get workerReplacements(): number {
    return this.workers?.replacements ?? 0;
  }

  /** Disposes every instance and terminates the workers; calls in flight fail with plugins.sandbox_crashed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.inline?.close(), this.workers?.close(), this.inspectors?.close()]);
  }

  private learn(key: string, sha256: string, tier: SandboxTier, durationMs: number, timeoutMs: number, error: unknown): void {
    const change = this.policy.record(sha256, tier, { durationMs, timeoutMs, error });
    if (change === 'promoted') this.workers?.evict(key);
    else if (change === 'demoted') this.inline?.evict(key);
  }

  private inlineExecutor(): InlineExecutor {
    this.inline ??= new InlineExecutor({
      limits: this.limits,
      maxInstances: this.options.maxInstances,
      host: async () => {
        if (this.options.createHost) return this.options.createHost(this.options.host, this.options.logSink);
        const module = (await import(this.hostModule.url)) as Record<string, unknown>;
        const Host = module[this.hostModule.exportName] as HostClass;
        return new Host(this.options.host, this.options.logSink);
      },
    });
    return this.inline;
  }

  private inspectionExecutor(): WorkerExecutor {
    this.inspectors ??= this.newWorkerExecutor();
    return this.inspectors;
  }

  private workerExecutor(): WorkerExecutor {
    this.workers ??= this.newWorkerExecutor();
    return this.workers;
  }

  private newWorkerExecutor(): WorkerExecutor {
    return new WorkerExecutor({
      limits: this.limits,
      host: this.options.host,
      hostModule: this.hostModule,
      logSink: this.options.logSink,
      workers: this.options.workers ?? 2,
      graceMs: this.options.graceMs ?? 1_000,
      maxInstances: this.options.maxInstances ?? 256,
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
