import type { HostApi } from '../host/host-api.types.js';
import { PluginInstance } from './plugin-instance.js';
import { sandboxCrashed, timedOut, toWireError } from './sandbox-errors.js';
import type { ExecRequest, InspectOutcome, PluginScript, SandboxLimits } from './sandbox.types.js';

function hostUnavailable(label: string, fn: string, error: unknown) {
  return sandboxCrashed(label, fn, `host API unavailable: ${error instanceof Error ? error.message : String(error)}`);
}

export interface SandboxEngineOptions {
  limits: SandboxLimits;
  /** Called once, on first use; the executor closes the host (if it has close()) when it closes. */
  host: () => HostApi | Promise<HostApi>;
  /** Loaded instances kept; the least recently used idle ones are disposed beyond this. Default 256. */
  maxInstances?: number;
  /** Worker watchdog slot, see PluginInstanceOptions.watch. */
  watch?: Float64Array | null;
  /** Epoch ms, the clock of deadlines; default Date.now. */
  now?: () => number;
}

interface Entry {
  sha256: string;
  instance: PluginInstance | null;
  loading: Promise<PluginInstance> | null;
}

interface Uncached {
  sha256: string;
  instance: Promise<PluginInstance>;
  users: number;
}

/**
 * Runs plugin calls on the calling thread: the main thread's fast path, and the engine inside each
 * sandbox worker. Keeps one loaded instance per script key, reloading when the sha256 changes or
 * after the instance retired (limit violation). A transient call (ExecRequest.transient) for a key
 * with no usable instance gets an instance of its own, disposed when it ends, outside the cache.
 */
export class SandboxEngine {
  private readonly entries = new Map<string, Entry>();
  /**
   * Instances loaded outside the cache for transient calls, by key, while calls use them: transient
   * calls for the same key and version at the same time share one (as cached calls do), and the
   * last one to finish disposes it. Closed with the engine.
   */
  private readonly uncached = new Map<string, Uncached>();
  private readonly maxInstances: number;
  private host: Promise<HostApi> | null = null;
  /** A host may have close() (DefaultHostApi closes its SMTP pool). */
  private resolvedHost: (HostApi & { close?(): void }) | null = null;
  private closed = false;

  private readonly now: () => number;

  constructor(private readonly options: SandboxEngineOptions) {
    this.maxInstances = options.maxInstances ?? 256;
    this.now = options.now ?? Date.now;
  }

  /** Resolves with the result as JSON text. */
  call(request: ExecRequest): Promise<string> {
    // Always continue from a microtask: QuickJS then starts on a shallow host stack, whatever
    // depth the caller was at (deep recursion inside WebAssembly uses the host stack too).
    const waitsForHost = this.resolvedHost === null;
    const started = this.now();
    return this.ready().then(
      // Building the host API (first call only) is the sandbox's start-up, not the script's time.
      () => this.run(waitsForHost ? { ...request, deadline: request.deadline + (this.now() - started) } : request),
      (error: unknown) => {
        throw hostUnavailable(request.script.label, request.fn, error);
      },
    );
  }

  /**
   * Loads `source` in a throwaway instance, lists its functions and calls each of `calls` that it
   * defines with `({}, {})`, each under its own deadline; stops at the first limit violation.
   */
  async inspect(source: string, label: string, deadline: number, timeoutMs: number, calls: readonly string[] = []): Promise<InspectOutcome> {
    const started = this.now();
    const host = await this.ready().catch((error: unknown) => {
      throw hostUnavailable(label, '<load>', error);
    });
    const loadDeadline = deadline + (this.now() - started);
    const instance = await PluginInstance.load({ label, source, limits: this.options.limits, host, deadline: loadDeadline, timeoutMs, watch: this.options.watch, now: this.now });
    const outcome: InspectOutcome = { functions: [...instance.functions], results: {} };
    try {
      for (const fn of calls) {
        if (!instance.functions.includes(fn) || !instance.usable) continue;
        try {
          outcome.results[fn] = { json: await instance.call(fn, '[{},{}]', this.now() + timeoutMs, timeoutMs, { interfaceId: null, traceId: null }) };
        } catch (error) {
          outcome.results[fn] = { error: toWireError(error) };
        }
      }
    } finally {
      instance.dispose();
    }
    return outcome;
  }

  /** Builds the host API now instead of on the first call (a failure is retried by that call). */
  async warm(): Promise<void> {
    await this.ready();
  }

  /** Drops the instance for `key`; calls in flight on it finish first. */
  evict(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    entry.instance?.retire();
  }

  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const loading = [...this.entries.values()].map((entry) => entry.loading).filter((p) => p !== null);
    for (const entry of this.entries.values()) entry.instance?.dispose('sandbox closed');
    this.entries.clear();
    const uncached = [...this.uncached.values()];
    this.uncached.clear();
    for (const shared of uncached) void shared.instance.then((instance) => instance.dispose('sandbox closed'), () => undefined);
    await Promise.allSettled(loading);
    const host = this.resolvedHost;
    try {
      host?.close?.();
    } catch {
      // Closing is best effort.
    }
  }

  private ready(): Promise<HostApi> {
    if (this.host === null) {
      const host = Promise.resolve()
        .then(() => this.options.host())
        .then((created) => (this.resolvedHost = created));
      // A host that failed to build is retried by the next call.
      host.catch(() => {
        if (this.host === host) this.host = null;
      });
      this.host = host;
    }
    return this.host;
  }

  private run(request: ExecRequest): Promise<string> {
    const { script, fn, argsJson, deadline, timeoutMs, context } = request;
    if (this.closed) return Promise.reject(sandboxCrashed(script.label, fn, 'sandbox closed'));
    if (this.now() >= deadline) return Promise.reject(timedOut(script.label, fn, timeoutMs, 'queued'));
    const entry = this.entries.get(script.key);
    if (entry?.instance?.usable && !entry.instance.canTake(argsJson)) {
      // A previous call filled this instance's heap and kept it: start afresh rather than refuse
      // every later call (a fresh instance that cannot take them either says out_of_memory).
      this.evict(script.key);
    } else if (entry !== undefined && entry.sha256 === script.sha256 && entry.instance !== null && entry.instance.usable) {
      // Least recently used order (Map iteration order is insertion order); a transient call does
      // not count as a use.
      if (!request.transient) {
        this.entries.delete(script.key);
        this.entries.set(script.key, entry);
      }
      return entry.instance.call(fn, argsJson, deadline, timeoutMs, context);
    }
    // A transient call joins a load of this version already under way, else loads its own.
    if (request.transient && !this.loading(script)) return this.callOnce(request);
    // A call that waited for its instance to load keeps its whole budget for the script.
    return this.instanceFor(script, deadline, timeoutMs).then((instance) => instance.call(fn, argsJson, deadline + instance.setupMs, timeoutMs, context));
  }

  private loading(script: PluginScript): boolean {
    const entry = this.entries.get(script.key);
    return entry !== undefined && entry.loading !== null && entry.sha256 === script.sha256;
  }

  /**
   * A transient call: in an instance outside the cache, shared with the transient calls of the
   * same key and version in flight, disposed when the last of them is over (its module recycled).
   */
  private async callOnce(request: ExecRequest): Promise<string> {
    const { script, fn, argsJson, deadline, timeoutMs, context } = request;
    let shared = this.uncached.get(script.key);
    if (shared === undefined || shared.sha256 !== script.sha256) {
      shared = { sha256: script.sha256, instance: this.loadUncached(script, deadline, timeoutMs), users: 0 };
      this.uncached.set(script.key, shared);
    }
    shared.users++;
    try {
      const instance = await shared.instance;
      // Closed meanwhile, or retired by another call's limit violation: that is not this call's doing.
      if (this.closed) throw sandboxCrashed(script.label, fn, 'sandbox closed');
      if (!instance.usable) return await this.callAlone(request);
      return await instance.call(fn, argsJson, deadline + instance.setupMs, timeoutMs, context);
    } finally {
      if (--shared.users === 0) {
        if (this.uncached.get(script.key) === shared) this.uncached.delete(script.key);
        void shared.instance.then((instance) => instance.retire(), () => undefined);
      }
    }
  }

  /** A transient call whose shared instance retired before it ran: one of its own. */
  private async callAlone(request: ExecRequest): Promise<string> {
    const { script, fn, argsJson, deadline, timeoutMs, context } = request;
    const instance = await this.loadUncached(script, deadline, timeoutMs);
    try {
      return await instance.call(fn, argsJson, deadline + instance.setupMs, timeoutMs, context);
    } finally {
      instance.retire();
    }
  }

  private async loadUncached(script: PluginScript, deadline: number, timeoutMs: number): Promise<PluginInstance> {
    const host = await this.ready();
    return PluginInstance.load({ label: script.label, source: script.source, limits: this.options.limits, host, deadline, timeoutMs, watch: this.options.watch, now: this.now });
  }

  private instanceFor(script: PluginScript, deadline: number, timeoutMs: number): Promise<PluginInstance> {
    const existing = this.entries.get(script.key);
    if (existing !== undefined && existing.sha256 === script.sha256) {
      if (existing.loading !== null) return existing.loading;
      if (existing.instance !== null && existing.instance.usable) return Promise.resolve(existing.instance);
    }
    if (existing !== undefined) this.evict(script.key);

    const entry: Entry = { sha256: script.sha256, instance: null, loading: null };
    entry.loading = this.ready()
      .then((host) =>
        PluginInstance.load({
          label: script.label,
          source: script.source,
          limits: this.options.limits,
          host,
          deadline,
          timeoutMs,
          watch: this.options.watch,
          now: this.now,
          onRetired: (instance) => {
            if (entry.instance === instance && this.entries.get(script.key) === entry) this.entries.delete(script.key);
          },
        }),
      )
      .then(
        (instance) => {
          entry.loading = null;
          if (this.closed) {
            instance.dispose('sandbox closed');
          } else if (this.entries.get(script.key) === entry) {
            entry.instance = instance;
            this.trim();
          } else {
            // Evicted while loading: the calls already waiting start first (microtasks), then it goes.
            setImmediate(() => instance.retire());
          }
          return instance;
        },
        (error: unknown) => {
          if (this.entries.get(script.key) === entry) this.entries.delete(script.key);
          throw error;
        },
      );
    this.entries.set(script.key, entry);
    return entry.loading;
  }

  private trim(): void {
    if (this.entries.size <= this.maxInstances) return;
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxInstances) return;
      if (entry.instance === null || entry.instance.busy) continue;
      this.entries.delete(key);
      entry.instance.dispose();
    }
  }
}
