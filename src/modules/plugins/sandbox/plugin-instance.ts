import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import { AppError } from '../../../common/errors/app-error.js';
import type { HostApi, HostCallContext } from '../host/host-api.types.js';
import { parseFailure, parseReply, STATUS, type ScriptFailure } from './bridge/bridge-protocol.js';
import { BRIDGE_SOURCE } from './bridge/bridge-script.js';
import { HostBridge } from './bridge/host-bridge.js';
import { classifyLoadFailure, classifyReply, classifyThrown, type FailureContext } from './failure-classification.js';
import { InterruptBudget } from './interrupt-budget.js';
import { QuickJsModuleFactory, type QuickJsModuleHandle } from './quickjs-module-factory.js';
import { functionNotFound, isScriptLimitViolation, outOfMemory, sandboxCrashed, scriptError, stackOverflow, timedOut } from './sandbox-errors.js';
import type { SandboxCallContext, SandboxLimits } from './sandbox.types.js';

/** Deeper QuickJS stacks overflow the host (V8) stack first: measured, 256 KB uses ~65% of it. */
export const MAX_STACK_BYTES = 256 * 1024;
export interface PluginInstanceOptions {
  label: string;
  source: string;
  limits: SandboxLimits;
  host: HostApi;
  /**
   * Deadline (epoch ms) of the load itself, as if the sandbox were ready now: the time the sandbox
   * spends on its own start-up (WebAssembly module, runtime, context, host bridge) is added to it,
   * so only the script's top-level code runs against the budget.
   */
  deadline: number;
  timeoutMs: number;
  /** Worker watchdog slot: holds the deadline in force while this thread is inside the VM, else 0. */
  watch?: Float64Array | null;
  /** Told once when the instance stops taking calls (limit violation, crash, dispose). */
  onRetired?: (instance: PluginInstance) => void;
  /** Epoch milliseconds; default Date.now (deadlines are epoch ms, the same clock on every thread). */
  now?: () => number;
}

interface CallState {
  fn: string;
  deadline: number;
  timeoutMs: number;
  host: HostCallContext;
  /** Aborted when the call ends: the host stops its requests (host.signal). */
  abort: AbortController;
  promise: QuickJSHandle | null;
  timer: NodeJS.Timeout | null;
  done: boolean;
  resolve(json: string): void;
  reject(error: AppError): void;
}

type State = 'ready' | 'retired' | 'disposed' | 'crashed';

/**
 * One plugin script loaded into its own QuickJS module, runtime and context, with the host API
 * bridged in. Calls are JSON text in, JSON text out; several may be in flight at once, interleaving
 * at await points, and the interrupt handler enforces the earliest deadline among them.
 *
 * After a limit violation (timeout, out of memory, stack overflow) the instance retires: it takes
 * no new calls, lets the others in flight finish, and disposes itself. After a host-side failure
 * inside the VM (host stack overflow, emscripten abort) it is dropped without being touched again:
 * the module is its own, so nothing else is affected.
 */
export class PluginInstance {
  functions: readonly string[] = [];

  private readonly runtime: QuickJSRuntime;
  private readonly ctx: QuickJSContext;
  private readonly bridge: HostBridge;
  private readonly fileName: string;
  private readonly inFlight = new Set<CallState>();
  private readonly functionSet = new Set<string>();
  private readonly nameHandles = new Map<string, QuickJSHandle>();
  private invokeFn: QuickJSHandle | null = null;
  private listFn: QuickJSHandle | null = null;
  private describeFn: QuickJSHandle | null = null;
  private state: State = 'ready';
  private isLoading = true;
  private current: CallState | null = null;
  private readonly interrupts: InterruptBudget;
  private readonly now: () => number;
  private heap32: Int32Array;
  /** Time the sandbox spent on its own start-up before the script's code began; see load(). */
  private setupTime = 0;
  /**
   * False once anything went wrong inside the module (a limit hit, a failed load, a throw out of
   * WebAssembly): its module is then dropped with it instead of recycled for the next instance.
   */
  private recyclable = true;

  private constructor(
    private readonly options: PluginInstanceOptions,
    private readonly wasm: QuickJsModuleHandle,
    counterOffset: number | null,
  ) {
    this.fileName = `${options.label}.js`;
    this.runtime = wasm.module.newRuntime();
    this.runtime.setMemoryLimit(options.limits.memoryBytes);
    this.runtime.setMaxStackSize(Math.min(options.limits.stackBytes, MAX_STACK_BYTES));
    this.now = options.now ?? Date.now;
    this.ctx = this.runtime.newContext();
    this.heap32 = new Int32Array(wasm.memory.buffer);
    const counterIndex = counterOffset === null ? -1 : (QuickJsModuleFactory.contextPointer(this.ctx) + counterOffset) >> 2;
    this.interrupts = new InterruptBudget(counterIndex < 0 ? null : (polls) => this.writeCounter(counterIndex, polls), options.watch ?? null, this.now);
    this.runtime.setInterruptHandler(() => this.interrupts.check());
    this.bridge = new HostBridge(this.ctx, options.host, this.bridgeOwner(), (bytes) => this.fits(bytes));
  }

  /** Loads `source`: syntax errors and top-level throws become plugins.invalid_plugin. */
  static async load(options: PluginInstanceOptions): Promise<PluginInstance> {
    const started = (options.now ?? Date.now)();
    const [wasm, counterOffset] = await Promise.all([
      QuickJsModuleFactory.create(options.limits.memoryBytes),
      QuickJsModuleFactory.interruptCounterOffset(),
    ]).catch((error: unknown) => {
      // E.g. the process is out of address space for another WebAssembly memory.
      throw sandboxCrashed(options.label, '<load>', `cannot create a QuickJS module: ${error instanceof Error ? error.message : String(error)}`);
    });
    let instance: PluginInstance;
    try {
      instance = new PluginInstance(options, wasm, counterOffset);
    } catch (error) {
      throw sandboxCrashed(options.label, '<load>', `cannot create a QuickJS context: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      instance.boot(started);
    } catch (error) {
      instance.recyclable = false;
      if (error instanceof AppError) {
        instance.dispose();
        throw error;
      }
      instance.crash(error, null);
      throw isHostStackOverflow(error)
        ? stackOverflow(options.label, '<load>', Math.min(options.limits.stackBytes, MAX_STACK_BYTES), 'load')
        : sandboxCrashed(options.label, '<load>', 'WebAssembly failure');
    }
    return instance;
  }

  get label(): string {
    return this.options.label;
  }

  /**
   * Milliseconds the sandbox spent starting this instance before the script's own code ran. A call
   * that had to wait for the load gets its deadline pushed back by this much: a slow start-up (a
   * busy machine, the first WebAssembly compile) is the sandbox's time, not the script's.
   */
  get setupMs(): number {
    return this.setupTime;
  }

  /** Takes new calls. */
  get usable(): boolean {
    return this.state === 'ready';
  }

  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** Calls `fn(config, params)`; `argsJson` is the JSON array [config, params]. Resolves with JSON text. */
  call(fn: string, argsJson: string, deadline: number, timeoutMs: number, context: SandboxCallContext): Promise<string> {
    const label = this.options.label;
    if (!this.functionSet.has(fn)) return Promise.reject(functionNotFound(label, fn));
    if (this.state !== 'ready') return Promise.reject(sandboxCrashed(label, fn, 'instance retired'));
    if (this.now() >= deadline) return Promise.reject(timedOut(label, fn, timeoutMs, 'queued'));
    if (!this.canTake(argsJson)) return Promise.reject(outOfMemory(label, fn, this.options.limits.memoryBytes, 'running'));

    let resolve!: (json: string) => void;
    let reject!: (error: AppError) => void;
    const promise = new Promise<string>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const abort = new AbortController();
    const call: CallState = {
      fn,
      deadline,
      timeoutMs,
      host: { plugin: label, interfaceId: context.interfaceId, traceId: context.traceId, origin: context.origin ?? null, personalTarget: context.personalTarget ?? null, fn, signal: abort.signal },
      abort,
      promise: null,
      timer: null,
      done: false,
      resolve,
      reject,
    };
    this.inFlight.add(call);
    this.current = call;

    let result: ReturnType<QuickJSContext['callFunction']>;
    this.interrupts.enter(Math.min(deadline, this.minDeadline()));
    try {
      const argsHandle = this.ctx.newString(argsJson);
      try {
        result = this.ctx.callFunction(this.invokeFn!, this.ctx.undefined, this.nameHandle(fn), argsHandle);
      } finally {
        argsHandle.dispose();
      }
    } catch (error) {
      this.interrupts.leave();
      this.crash(error, call);
      return promise;
    }
    this.interrupts.leave();

    if (result.error) {
      const failure = classifyThrown(this.readError(result.error), this.failureContext(call));
      result.error.dispose();
      this.finish(call, failure);
      return promise;
    }
    const value = result.value;
    if (this.ctx.typeof(value) === 'string') {
      const status = this.ctx.getString(value);
      value.dispose();
      if (this.runtime.hasPendingJob()) this.pump(call);
      if (!call.done) this.finishWithReply(call, status);
      return promise;
    }
    call.promise = value;
    this.pump(call);
    if (!call.done) {
      call.timer = setTimeout(() => this.expire(call), Math.max(0, deadline - this.now()));
    }
    return promise;
  }

  /**
   * Whether arguments of this size can still be copied into the VM heap. An instance whose heap a
   * previous call filled (and kept filled) answers false: the executor then retires it and loads a
   * fresh one instead of failing every later call.
   */
  canTake(argsJson: string): boolean {
    return this.fits(argsJson.length * 3 + 1);
  }

  /** No new calls; disposed once the calls in flight are done. */
  retire(): void {
    this.retireAs(true);
  }

  /** retire() after the script hit a limit or the VM misbehaved: the module is not reused. */
  private retireAfterViolation(): void {
    this.retireAs(false);
  }

  private retireAs(clean: boolean): void {
    // Also when already retired (evicted with a call in flight that then hit a limit).
    if (!clean) this.recyclable = false;
    if (this.state !== 'ready') return;
    this.state = 'retired';
    this.options.onRetired?.(this);
    if (this.inFlight.size === 0) this.dispose();
  }

  /** Disposes now; calls in flight fail with plugins.sandbox_crashed. */
  dispose(reason = 'instance disposed'): void {
    if (this.state === 'disposed' || this.state === 'crashed') return;
    const wasReady = this.state === 'ready';
    this.state = 'disposed';
    for (const call of [...this.inFlight]) this.finish(call, sandboxCrashed(this.options.label, call.fn, reason));
    if (wasReady) this.options.onRetired?.(this);
    try {
      this.bridge.disposePending();
      for (const handle of this.nameHandles.values()) handle.dispose();
      this.nameHandles.clear();
      this.invokeFn?.dispose();
      this.listFn?.dispose();
      this.describeFn?.dispose();
      this.runtime.removeInterruptHandler();
      this.ctx.dispose();
      this.runtime.dispose();
    } catch {
      // A leak assertion aborts this module only; it is unreachable from here on.
      return;
    }
    if (this.recyclable) QuickJsModuleFactory.recycle(this.wasm);
  }

  private boot(started: number): void {
    const { limits, label } = this.options;
    // The bridge is our own code: it runs without a deadline, so a slow start cannot be mistaken
    // for the script's fault. The script's budget starts once the bridge is up.
    this.interrupts.enter(Infinity);
    try {
      const bootstrap = this.ctx.evalCode(BRIDGE_SOURCE, '<sandbox>', { type: 'global', strict: true });
      if (bootstrap.error) {
        bootstrap.error.dispose();
        throw sandboxCrashed(label, '<load>', 'bridge failed to start');
      }
      const raw = this.bridge.createFunctions();
      const file = this.ctx.newString(this.fileName);
      const maxChars = this.ctx.newNumber(limits.maxResultBytes);
      const names = this.ctx.newArray();
      HostBridge.cryptoNames.forEach((name, i) => {
        const handle = this.ctx.newString(name);
        this.ctx.setProp(names, i, handle);
        handle.dispose();
      });
      const status = this.ctx.newObject();
      for (const [key, letter] of Object.entries(STATUS)) {
        const handle = this.ctx.newString(letter);
        this.ctx.setProp(status, key, handle);
        handle.dispose();
      }
      const helpers = this.ctx.callFunction(bootstrap.value, this.ctx.undefined, raw.sync, raw.async, file, maxChars, names, status);
      for (const handle of [bootstrap.value, raw.sync, raw.async, file, maxChars, names, status]) handle.dispose();
      if (helpers.error) {
        helpers.error.dispose();
        throw sandboxCrashed(label, '<load>', 'bridge failed to start');
      }
      this.invokeFn = this.ctx.getProp(helpers.value, 0);
      this.listFn = this.ctx.getProp(helpers.value, 1);
      this.describeFn = this.ctx.getProp(helpers.value, 2);
      helpers.value.dispose();
    } finally {
      this.interrupts.leave();
    }

    this.setupTime = Math.max(0, this.now() - started);
    this.interrupts.enter(this.options.deadline + this.setupTime);
    try {
      const loaded = this.ctx.evalCode(this.options.source, this.fileName, { type: 'global' });
      if (loaded.error) {
        const failure = this.loadFailure(loaded.error);
        loaded.error.dispose();
        throw failure;
      }
      loaded.value.dispose();
      if (this.runtime.hasPendingJob()) {
        const jobs = this.runtime.executePendingJobs();
        if (jobs.error) {
          const failure = this.loadFailure(jobs.error);
          jobs.error.dispose();
          throw failure;
        }
      }
      const listed = this.ctx.callFunction(this.listFn, this.ctx.undefined);
      if (listed.error) {
        const failure = this.loadFailure(listed.error);
        listed.error.dispose();
        throw failure;
      }
      this.functions = JSON.parse(this.ctx.getString(listed.value)) as string[];
      listed.value.dispose();
      for (const name of this.functions) this.functionSet.add(name);
    } finally {
      this.interrupts.leave();
      this.isLoading = false;
    }
  }

  private bridgeOwner() {
    return {
      hostContext: (): HostCallContext =>
        this.current?.host ?? { plugin: this.options.label, interfaceId: null, traceId: null, fn: this.isLoading ? '<load>' : '<background>' },
      currentCall: (): unknown => this.current,
      loading: (): boolean => this.isLoading,
      alive: (): boolean => this.state === 'ready' || this.state === 'retired',
      settled: (call: unknown): void => {
        const owner = call as CallState | null;
        this.pump(owner !== null && !owner.done ? owner : null);
      },
      crashed: (error: unknown): void => this.crash(error, null),
    };
  }

  private nameHandle(fn: string): QuickJSHandle {
    let handle = this.nameHandles.get(fn);
    if (handle === undefined) {
      handle = this.ctx.newString(fn);
      this.nameHandles.set(fn, handle);
    }
    return handle;
  }

  /** Runs pending jobs (continuations after host promises), then settles the calls that finished. */
  private pump(attributed: CallState | null): void {
    if (this.state === 'disposed' || this.state === 'crashed') return;
    this.current = attributed;
    const inFlightDeadline = this.minDeadline();
    // Continuations of calls no longer in flight still get a bounded slice.
    this.interrupts.enter(inFlightDeadline === Infinity ? this.now() + this.options.limits.timeoutMs : inFlightDeadline);
    let jobError: QuickJSHandle | null = null;
    try {
      const jobs = this.runtime.executePendingJobs();
      if (jobs.error) jobError = jobs.error;
    } catch (error) {
      this.interrupts.leave();
      this.crash(error, attributed);
      return;
    }
    this.interrupts.leave();
    const interrupted = this.interrupts.interrupted;
    if (jobError !== null) {
      // A job's own exceptions settle its promise; one that escapes is a limit the queue ran into
      // (an endless microtask chain exhausting the heap or the deadline): it is that of the call
      // that ran, or of every call in flight when none did.
      const thrown = this.readError(jobError);
      jobError.dispose();
      const culprits = attributed !== null ? [attributed] : [...this.inFlight];
      for (const call of culprits) this.finish(call, classifyThrown(thrown, this.failureContext(call, interrupted)));
      this.retireAfterViolation();
    } else if (!interrupted && this.heapExhausted()) {
      // QuickJS drops a job it cannot allocate without telling anyone: a chain of promises that
      // filled the heap just stops. That is the script running out of memory, not "never settles".
      const culprits = attributed !== null ? [attributed] : [...this.inFlight];
      for (const call of culprits) this.finish(call, outOfMemory(this.options.label, call.fn, this.options.limits.memoryBytes, 'running'));
      this.retireAfterViolation();
    }
    this.collect(interrupted);
  }

  private collect(interrupted: boolean): void {
    const now = this.now();
    for (const call of [...this.inFlight]) {
      if (call.promise === null || call.done) continue;
      const state = this.ctx.getPromiseState(call.promise);
      if (state.type === 'pending') {
        if (interrupted && now >= call.deadline) this.finish(call, timedOut(this.options.label, call.fn, call.timeoutMs, 'running'));
        continue;
      }
      if (state.type === 'fulfilled') {
        const status = this.ctx.typeof(state.value) === 'string' ? this.ctx.getString(state.value) : '';
        state.value.dispose();
        this.finishWithReply(call, status, interrupted);
      } else {
        const failure = classifyThrown(this.readError(state.error), this.failureContext(call, interrupted));
        state.error.dispose();
        this.finish(call, failure);
      }
    }
    if (interrupted) this.retireAfterViolation();
    if (this.state !== 'ready' && this.state !== 'retired') return;
    // Nothing left that could settle them: no host promise outstanding and no job queued.
    if (this.bridge.pendingCount === 0 && !this.runtime.hasPendingJob()) {
      for (const call of [...this.inFlight]) {
        if (call.promise === null || call.done) continue;
        this.finish(call, scriptError(this.options.label, call.fn, { name: 'Error', message: 'returned a promise that never settles', code: null, line: null }));
      }
    }
  }

  private expire(call: CallState): void {
    if (call.done) return;
    // A timer can only fire while no script code runs on this thread: the call is awaiting the host.
    this.finish(call, timedOut(this.options.label, call.fn, call.timeoutMs, 'awaiting_host'));
    this.retireAfterViolation();
  }

  private finishWithReply(call: CallState, status: string, interrupted = this.interrupts.interrupted): void {
    const outcome = classifyReply(parseReply(status), this.failureContext(call, interrupted));
    if ('json' in outcome) this.finish(call, null, outcome.json);
    else this.finish(call, outcome.error);
  }

  private finish(call: CallState, error: AppError | null, json?: string): void {
    if (call.done) return;
    call.done = true;
    this.inFlight.delete(call);
    if (this.current === call) this.current = null;
    if (call.timer !== null) clearTimeout(call.timer);
    call.abort.abort();
    if (call.promise !== null && this.state !== 'crashed') {
      try {
        call.promise.dispose();
      } catch {
        // Already unusable.
      }
    }
    call.promise = null;
    if (error === null) call.resolve(json!);
    else {
      call.reject(error);
      if (isScriptLimitViolation(error)) this.retireAfterViolation();
    }
    if (this.state === 'retired' && this.inFlight.size === 0) this.dispose();
  }

  /** The VM threw back to the host (V8 stack overflow inside WebAssembly, abort): drop the module. */
  private crash(error: unknown, culprit: CallState | null): void {
    if (this.state === 'crashed' || this.state === 'disposed') return;
    const wasReady = this.state === 'ready';
    this.state = 'crashed';
    this.recyclable = false;
    this.bridge.abandonPending();
    const label = this.options.label;
    const hostStack = isHostStackOverflow(error);
    for (const call of [...this.inFlight]) {
      const failure =
        call === culprit && hostStack
          ? stackOverflow(label, call.fn, Math.min(this.options.limits.stackBytes, MAX_STACK_BYTES), 'running')
          : sandboxCrashed(label, call.fn, hostStack ? 'host stack exhausted' : 'WebAssembly failure');
      this.finish(call, failure);
    }
    if (wasReady) this.options.onRetired?.(this);
  }

  private failureContext(call: CallState | null, interrupted = this.interrupts.interrupted): FailureContext {
    const { label, limits, timeoutMs } = this.options;
    return {
      label,
      fn: call?.fn ?? '<load>',
      limits,
      timeoutMs: call?.timeoutMs ?? timeoutMs,
      interrupted,
      heapExhausted: () => this.heapExhausted(),
      stackBytes: Math.min(limits.stackBytes, MAX_STACK_BYTES),
    };
  }

  private readError(errorHandle: QuickJSHandle): { name: string | null; message: string | null } {
    return { name: this.readProp(errorHandle, 'name'), message: this.readProp(errorHandle, 'message') };
  }

  /** Top-level code failed: a limit, or the script is broken (described by the bridge). */
  private loadFailure(errorHandle: QuickJSHandle): AppError {
    let described: ScriptFailure | null = null;
    const result = this.ctx.callFunction(this.describeFn!, this.ctx.undefined, errorHandle);
    if (result.error) result.error.dispose();
    else {
      if (this.ctx.typeof(result.value) === 'string') described = parseFailure(this.ctx.getString(result.value));
      result.value.dispose();
    }
    return classifyLoadFailure(this.readError(errorHandle), described, this.failureContext(null));
  }

  private readProp(handle: QuickJSHandle, key: string): string | null {
    if (this.ctx.typeof(handle) !== 'object') return key === 'message' && this.ctx.typeof(handle) === 'string' ? this.ctx.getString(handle) : null;
    const prop = this.ctx.getProp(handle, key);
    try {
      return this.ctx.typeof(prop) === 'string' ? this.ctx.getString(prop).slice(0, 2000) : null;
    } finally {
      prop.dispose();
    }
  }

  private minDeadline(): number {
    let min = Infinity;
    for (const call of this.inFlight) if (call.deadline < min) min = call.deadline;
    return min;
  }

  private writeCounter(index: number, value: number): void {
    let heap = this.heap32;
    if (heap.length === 0) heap = this.heap32 = new Int32Array(this.wasm.memory.buffer);
    heap[index] = value;
  }

  /** Whether `bytes` can still be allocated in the VM heap (a failed malloc would be written through). */
  private fits(bytes: number): boolean {
    // Once disposed, the module may already serve another instance: never touch it again.
    if (this.state === 'disposed' || this.state === 'crashed') return false;
    const pointer = this.wasm.malloc(bytes);
    if (pointer === 0) return false;
    this.wasm.free(pointer);
    return true;
  }

  private heapExhausted(): boolean {
    return this.wasm.memory.buffer.byteLength >= this.wasm.maxBytes - 1024 * 1024 || !this.fits(64 * 1024);
  }
}

function isHostStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}
