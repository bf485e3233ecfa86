import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import { AppError } from '../../../common/errors/app-error.js';
import type { HostApi, HostCallContext } from '../host/host-api.types.js';
import { BRIDGE_SOURCE, HostBridge } from './host-bridge.js';
import { QuickJsModuleFactory, type QuickJsModuleHandle } from './quickjs-module-factory.js';
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
  type ScriptFailure,
  type TimeoutPhase,
} from './sandbox-errors.js';
import type { SandboxCallContext, SandboxLimits } from './sandbox.types.js';

/** Deeper QuickJS stacks overflow the host (V8) stack first: measured, 256 KB uses ~65% of it. */
export const MAX_STACK_BYTES = 256 * 1024;
/**
 * Deadline checks happen at QuickJS "polls" (function entries, backward jumps); by default every
 * 10 000th. The budget below is rewritten in the context after each check, aiming at one check per
 * SLICE_MS whatever a poll costs. A handler call costs ~0.1 µs, a cheap poll ~30 ns, so the cap of
 * 1 000 polls costs <1% in tight loops and bounds the overrun of a script that alternates cheap and
 * expensive polls to gain a large budget (1 000 × its most expensive builtin call).
 */
const SLICE_MS = 2;
/** Small at each VM entry: the first check comes early, before anything is known about the rate. */
const ENTRY_BUDGET = 8;
const MAX_BUDGET = 1_000;

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
}

interface CallState {
  fn: string;
  deadline: number;
  timeoutMs: number;
  host: HostCallContext;
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
  private depth = 0;
  private vmDeadline = Infinity;
  private interrupted = false;
  private readonly counterIndex: number;
  private heap32: Int32Array;
  /** Time the sandbox spent on its own start-up before the script's code began; see load(). */
  private setupTime = 0;
  private budget = ENTRY_BUDGET;
  private lastPoll = 0;
  private perPoll = 0;

  private constructor(
    private readonly options: PluginInstanceOptions,
    private readonly wasm: QuickJsModuleHandle,
    counterOffset: number | null,
  ) {
    this.fileName = `${options.label}.js`;
    this.runtime = wasm.module.newRuntime();
    this.runtime.setMemoryLimit(options.limits.memoryBytes);
    this.runtime.setMaxStackSize(Math.min(options.limits.stackBytes, MAX_STACK_BYTES));
    this.runtime.setInterruptHandler(() => this.onInterrupt());
    this.ctx = this.runtime.newContext();
    this.heap32 = new Int32Array(wasm.memory.buffer);
    this.counterIndex = counterOffset === null ? -1 : (QuickJsModuleFactory.contextPointer(this.ctx) + counterOffset) >> 2;
    this.bridge = new HostBridge(this.ctx, options.host, this.bridgeOwner(), (bytes) => this.fits(bytes));
  }

  /** Loads `source`: syntax errors and top-level throws become plugins.invalid_plugin. */
  static async load(options: PluginInstanceOptions): Promise<PluginInstance> {
    const started = Date.now();
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
    if (Date.now() >= deadline) return Promise.reject(timedOut(label, fn, timeoutMs, 'queued'));
    if (!this.fits(argsJson.length * 3 + 1)) return Promise.reject(outOfMemory(label, fn, this.options.limits.memoryBytes, 'running'));

    let resolve!: (json: string) => void;
    let reject!: (error: AppError) => void;
    const promise = new Promise<string>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const call: CallState = {
      fn,
      deadline,
      timeoutMs,
      host: { plugin: label, interfaceId: context.interfaceId, traceId: context.traceId, fn },
      promise: null,
      timer: null,
      done: false,
      resolve,
      reject,
    };
    this.inFlight.add(call);
    this.current = call;

    let result: ReturnType<QuickJSContext['callFunction']>;
    this.enterVm(Math.min(deadline, this.minDeadline()));
    try {
      const argsHandle = this.ctx.newString(argsJson);
      try {
        result = this.ctx.callFunction(this.invokeFn!, this.ctx.undefined, this.nameHandle(fn), argsHandle);
      } finally {
        argsHandle.dispose();
      }
    } catch (error) {
      this.leaveVm();
      this.crash(error, call);
      return promise;
    }
    this.leaveVm();

    if (result.error) {
      const failure = this.classifyRaw(result.error, call);
      result.error.dispose();
      this.finish(call, failure);
      return promise;
    }
    const value = result.value;
    if (this.ctx.typeof(value) === 'string') {
      const status = this.ctx.getString(value);
      value.dispose();
      if (this.runtime.hasPendingJob()) this.pump(call);
      if (!call.done) this.finishWithStatus(call, status);
      return promise;
    }
    call.promise = value;
    this.pump(call);
    if (!call.done) {
      call.timer = setTimeout(() => this.expire(call), Math.max(0, deadline - Date.now()));
    }
    return promise;
  }

  /** No new calls; disposed once the calls in flight are done. */
  retire(): void {
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
    }
  }

  private boot(started: number): void {
    const { limits, label } = this.options;
    // The bridge is our own code: it runs without a deadline, so a slow start cannot be mistaken
    // for the script's fault. The script's budget starts once the bridge is up.
    this.enterVm(Infinity);
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
      const helpers = this.ctx.callFunction(bootstrap.value, this.ctx.undefined, raw.sync, raw.async, file, maxChars, names);
      for (const handle of [bootstrap.value, raw.sync, raw.async, file, maxChars, names]) handle.dispose();
      if (helpers.error) {
        helpers.error.dispose();
        throw sandboxCrashed(label, '<load>', 'bridge failed to start');
      }
      this.invokeFn = this.ctx.getProp(helpers.value, 0);
      this.listFn = this.ctx.getProp(helpers.value, 1);
      this.describeFn = this.ctx.getProp(helpers.value, 2);
      helpers.value.dispose();
    } finally {
      this.leaveVm();
    }

    this.setupTime = Math.max(0, Date.now() - started);
    this.enterVm(this.options.deadline + this.setupTime);
    try {
      const loaded = this.ctx.evalCode(this.options.source, this.fileName, { type: 'global' });
      if (loaded.error) {
        const failure = this.classifyLoadError(loaded.error);
        loaded.error.dispose();
        throw failure;
      }
      loaded.value.dispose();
      if (this.runtime.hasPendingJob()) {
        const jobs = this.runtime.executePendingJobs();
        if (jobs.error) {
          const failure = this.classifyLoadError(jobs.error);
          jobs.error.dispose();
          throw failure;
        }
      }
      const listed = this.ctx.callFunction(this.listFn, this.ctx.undefined);
      if (listed.error) {
        const failure = this.classifyLoadError(listed.error);
        listed.error.dispose();
        throw failure;
      }
      this.functions = JSON.parse(this.ctx.getString(listed.value)) as string[];
      listed.value.dispose();
      for (const name of this.functions) this.functionSet.add(name);
    } finally {
      this.leaveVm();
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
    this.enterVm(inFlightDeadline === Infinity ? Date.now() + this.options.limits.timeoutMs : inFlightDeadline);
    let jobError: QuickJSHandle | null = null;
    try {
      const jobs = this.runtime.executePendingJobs();
      if (jobs.error) jobError = jobs.error;
    } catch (error) {
      this.leaveVm();
      this.crash(error, attributed);
      return;
    }
    this.leaveVm();
    const interrupted = this.interrupted;
    jobError?.dispose();
    this.collect(interrupted);
  }

  private collect(interrupted: boolean): void {
    const now = Date.now();
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
        this.finishWithStatus(call, status, interrupted);
      } else {
        const failure = this.classifyRaw(state.error, call, interrupted);
        state.error.dispose();
        this.finish(call, failure);
      }
    }
    if (interrupted) this.retire();
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
    this.retire();
  }

  private finishWithStatus(call: CallState, status: string, interrupted = false): void {
    const { label, limits } = this.options;
    const fn = call.fn;
    switch (status.charCodeAt(0)) {
      case 82 /* R */: {
        const json = status.slice(1);
        if (json.length * 3 > limits.maxResultBytes) {
          const bytes = Buffer.byteLength(json);
          if (bytes > limits.maxResultBytes) return this.finish(call, resultTooLarge(label, fn, bytes, limits.maxResultBytes));
        }
        return this.finish(call, null, json);
      }
      case 69 /* E */: {
        const failure = parseFailure(status.slice(1));
        if (interrupted && failure.name === 'InternalError' && failure.message === 'interrupted') {
          return this.finish(call, timedOut(label, fn, call.timeoutMs, 'running'));
        }
        return this.finish(call, scriptError(label, fn, failure));
      }
      case 73 /* I */:
        return this.finish(call, invalidResult(label, fn, status.slice(1)));
      case 84 /* T */:
        return this.finish(call, resultTooLarge(label, fn, Number(status.slice(1)), limits.maxResultBytes));
      case 70 /* F */:
        return this.finish(call, functionNotFound(label, fn));
      default:
        // Copying the result out needs heap: an empty read means the heap was exhausted.
        return this.finish(call, this.heapExhausted() ? outOfMemory(label, fn, limits.memoryBytes, 'running') : sandboxCrashed(label, fn, 'unreadable result'));
    }
  }

  private finish(call: CallState, error: AppError | null, json?: string): void {
    if (call.done) return;
    call.done = true;
    this.inFlight.delete(call);
    if (this.current === call) this.current = null;
    if (call.timer !== null) clearTimeout(call.timer);
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
      if (violates(error)) this.retire();
    }
    if (this.state === 'retired' && this.inFlight.size === 0) this.dispose();
  }

  /** The VM threw back to the host (V8 stack overflow inside WebAssembly, abort): drop the module. */
  private crash(error: unknown, culprit: CallState | null): void {
    if (this.state === 'crashed' || this.state === 'disposed') return;
    const wasReady = this.state === 'ready';
    this.state = 'crashed';
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

  /** Limit errors come back raw (the in-sandbox helper rethrows them); classify by what QuickJS threw. */
  private classifyRaw(errorHandle: QuickJSHandle, call: CallState, interrupted = this.interrupted): AppError {
    const { label, limits } = this.options;
    const fn = call.fn;
    const name = this.readProp(errorHandle, 'name');
    const message = this.readProp(errorHandle, 'message');
    if (name === 'InternalError') {
      if (message === 'interrupted' && interrupted) return timedOut(label, fn, call.timeoutMs, 'running');
      if (message === 'out of memory') return outOfMemory(label, fn, limits.memoryBytes, 'running');
      if (message === 'stack overflow') return stackOverflow(label, fn, Math.min(limits.stackBytes, MAX_STACK_BYTES), 'running');
    }
    if (interrupted) return timedOut(label, fn, call.timeoutMs, 'running');
    // Reading the error's strings needs heap: nothing readable means the heap is full.
    if (!name && !message && this.heapExhausted()) return outOfMemory(label, fn, limits.memoryBytes, 'running');
    return scriptError(label, fn, { name: name || 'Error', message: message ?? 'unknown error', code: null, line: null });
  }

  private classifyLoadError(errorHandle: QuickJSHandle): AppError {
    const { label, limits, timeoutMs } = this.options;
    const name = this.readProp(errorHandle, 'name');
    const message = this.readProp(errorHandle, 'message');
    if (name === 'InternalError') {
      if (message === 'interrupted' && this.interrupted) return timedOut(label, '<load>', timeoutMs, 'load');
      if (message === 'out of memory') return outOfMemory(label, '<load>', limits.memoryBytes, 'load');
      if (message === 'stack overflow') return stackOverflow(label, '<load>', Math.min(limits.stackBytes, MAX_STACK_BYTES), 'load');
    }
    if (this.interrupted) return timedOut(label, '<load>', timeoutMs, 'load');
    let failure: ScriptFailure = { name: name ?? 'Error', message: message ?? 'unknown error', code: null, line: null };
    const described = this.ctx.callFunction(this.describeFn!, this.ctx.undefined, errorHandle);
    if (described.error) described.error.dispose();
    else {
      if (this.ctx.typeof(described.value) === 'string') failure = parseFailure(this.ctx.getString(described.value));
      described.value.dispose();
    }
    return invalidPlugin(label, failure);
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

  private enterVm(deadline: number): void {
    if (this.depth++ > 0) return;
    this.vmDeadline = deadline;
    this.interrupted = false;
    if (this.options.watch) this.options.watch[0] = deadline;
    if (this.counterIndex >= 0) {
      this.budget = ENTRY_BUDGET;
      this.perPoll = 0;
      this.lastPoll = performance.now();
      this.writeBudget(ENTRY_BUDGET);
    }
  }

  private leaveVm(): void {
    if (--this.depth > 0) return;
    if (this.options.watch) this.options.watch[0] = 0;
  }

  private onInterrupt(): boolean {
    if (Date.now() >= this.vmDeadline) {
      this.interrupted = true;
      return true;
    }
    if (this.counterIndex >= 0) {
      // Aim for one check every SLICE_MS whatever a poll costs (a loop of fill(1e6) costs ~12 ms a
      // poll). The estimate falls slowly and the budget at most doubles per check, so a run of cheap
      // polls between expensive ones does not buy a large budget.
      const now = performance.now();
      this.perPoll = Math.max((now - this.lastPoll) / this.budget, this.perPoll / 2);
      this.lastPoll = now;
      const ideal = this.perPoll > 0 ? SLICE_MS / this.perPoll : MAX_BUDGET;
      const next = Math.max(1, Math.floor(Math.min(ideal, this.budget * 2, MAX_BUDGET)));
      this.budget = next;
      this.writeBudget(next);
    }
    return false;
  }

  private writeBudget(value: number): void {
    let heap = this.heap32;
    if (heap.length === 0) heap = this.heap32 = new Int32Array(this.wasm.memory.buffer);
    heap[this.counterIndex] = value;
  }

  /** Whether `bytes` can still be allocated in the VM heap (a failed malloc would be written through). */
  private fits(bytes: number): boolean {
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

function parseFailure(json: string): ScriptFailure {
  try {
    const value = JSON.parse(json) as Partial<ScriptFailure>;
    return {
      name: typeof value.name === 'string' ? value.name : 'Error',
      message: typeof value.message === 'string' ? value.message : '',
      code: typeof value.code === 'string' || typeof value.code === 'number' ? value.code : null,
      line: typeof value.line === 'number' ? value.line : null,
    };
  } catch {
    return { name: 'Error', message: 'unreadable exception', code: null, line: null };
  }
}

const RETIRING_CODES = new Set(['plugins.timeout', 'plugins.out_of_memory', 'plugins.stack_overflow']);

/** Limit violations leave the instance in an unknown state (half-done globals, a full heap). */
function violates(error: AppError): boolean {
  if (!RETIRING_CODES.has(error.code)) return false;
  const phase = (error.details as { phase?: TimeoutPhase } | null)?.phase;
  return phase !== 'queued';
}
