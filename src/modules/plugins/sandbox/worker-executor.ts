import { Worker } from 'node:worker_threads';
import type { AppError } from '../../../common/errors/app-error.js';
import { outsideAnyContext } from '../../../common/logging/request-context.js';
import type { HostApiSettings, HostLogSink, LogLevel } from '../host/host-api.types.js';
import { fromWireError, sandboxCrashed, timedOut } from './sandbox-errors.js';
import type { FromWorker, SandboxWorkerData, ToWorker, WireExecRequest } from './sandbox-wire.types.js';
import type { ExecRequest, HostModuleRef, InspectOutcome, SandboxLimits } from './sandbox.types.js';

export interface WorkerExecutorOptions {
  limits: SandboxLimits;
  host: HostApiSettings;
  hostModule: HostModuleRef;
  logSink: HostLogSink;
  /** See SandboxPoolOptions.logLevels. */
  logLevels: readonly LogLevel[] | null;
  workers: number;
  graceMs: number;
  maxInstances: number;
  /** Epoch ms (the clock of deadlines). */
  now: () => number;
}

/** A worker that has not finished starting after this long is taken to be broken. */
const STARTUP_LIMIT_MS = 30_000;

interface Pending {
  label: string;
  fn: string;
  sentAt: number;
  deadline: number;
  /** The call itself, kept to send it again with its source if the worker asks ('need'). */
  request: ExecRequest | null;
  timeoutMs: number;
  timer: NodeJS.Timeout;
  resolve(value: string | InspectOutcome): void;
  reject(error: AppError): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Deadline in force while the worker is inside QuickJS, else 0 (written by the worker). */
  watch: Float64Array;
  /** Script keys sent to this worker, to keep a script on the worker that has it loaded. */
  keys: Set<string>;
  /** sha256 of the sources this worker was sent: later calls go without the source text. */
  sources: Set<string>;
  dead: boolean;
  spawnedAt: number;
  /** When the worker said it was ready (epoch ms), null while it is starting. */
  readyAt: number | null;
  /** When the worker last sent anything (epoch ms): one that has gone quiet with calls pending is busy or stuck. */
  heardAt: number;
}

/**
 * A call goes to the worker that has its script loaded unless that one has this many more calls
 * pending than the least loaded (reloading elsewhere costs a few ms; queueing behind a busy worker
 * can cost more), or has gone quiet for QUIET_MS with calls pending (it is inside a long call).
 */
const AFFINITY_SLACK = 4;
const QUIET_MS = 250;

/**
 * Runs plugin calls in a small pool of worker threads, each with its own engine and HostApi.
 *
 * The worker enforces deadlines itself; this side is the hard backstop for what QuickJS's interrupt
 * handler cannot stop in time. A call unanswered at deadline + grace gets its worker checked: if the
 * worker is inside QuickJS past the deadline it is running under (+ grace), or not answering at all,
 * it is terminated and replaced. The overdue call fails with plugins.timeout; the other calls on that
 * worker fail with plugins.sandbox_crashed and are not retried (a plugin call may have had side
 * effects, e.g. an HTTP request already sent). A worker merely busy with another call still inside its
 * own deadline is given until that deadline instead (queued calls are not blamed on the plugin).
 *
 * A worker's start-up (thread, host API, WebAssembly compile) is not counted against any call: a
 * call sent before the worker said 'ready' has its deadline pushed back by the wait, on both sides
 * (see ToWorker). A worker that does not start within STARTUP_LIMIT_MS is replaced and its calls fail
 * with plugins.sandbox_crashed, a failure of the sandbox, never of the script.
 */
export class WorkerExecutor {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private replaced = 0;

  constructor(private readonly options: WorkerExecutorOptions) {}

  /** Workers terminated and replaced so far (after a stuck call or a worker crash). */
  get replacements(): number {
    return this.replaced;
  }

  call(request: ExecRequest): Promise<string> {
    const slot = this.pick(request.script.key);
    // A transient call leaves nothing loaded under its key (see SandboxCallRequest.transient).
    if (!request.transient) slot.keys.add(request.script.key);
    return this.send<string>(slot, { t: 'call', id: 0, sentAt: 0, request: this.wireRequest(slot, request) }, request.script.label, request.fn, request.deadline, request.timeoutMs, request);
  }

  private wireRequest(slot: Slot, request: ExecRequest, withSource = false): WireExecRequest {
    const { sha256 } = request.script;
    if (!withSource && slot.sources.has(sha256)) return { ...request, script: { ...request.script, source: null } };
    slot.sources.add(sha256);
    return request;
  }

  /** Inspection time is the load plus each probe call, each with its own budget. */
  inspect(source: string, label: string, deadline: number, timeoutMs: number, calls: string[]): Promise<InspectOutcome> {
    const budget = deadline + calls.length * timeoutMs;
    return this.send<InspectOutcome>(this.pick(null), { t: 'inspect', id: 0, sentAt: 0, source, label, deadline, timeoutMs, calls }, label, '<load>', budget, timeoutMs);
  }

  evict(key: string): void {
    for (const slot of this.slots) {
      if (!slot.keys.delete(key)) continue;
      this.post(slot, { t: 'evict', key });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const slot of slots) this.fail(slot, null, 'sandbox closed');
    await Promise.allSettled(slots.map((slot) => slot.worker.terminate()));
  }

  private send<T extends string | InspectOutcome>(
    slot: Slot,
    message: ToWorker & { id: number; sentAt: number },
    label: string,
    fn: string,
    deadline: number,
    timeoutMs: number,
    request: ExecRequest | null = null,
  ): Promise<T> {
    if (this.closed) return Promise.reject(sandboxCrashed(label, fn, 'sandbox closed'));
    const id = this.nextId++;
    const sentAt = this.options.now();
    message.id = id;
    message.sentAt = sentAt;
    return new Promise<T>((resolve, reject) => {
      const timer = this.watchdog(slot, id, deadline);
      slot.pending.set(id, { label, fn, sentAt, deadline, timeoutMs, timer, request, resolve: resolve as (value: string | InspectOutcome) => void, reject });
      this.post(slot, message);
    });
  }

  private watchdog(slot: Slot, id: number, deadline: number): NodeJS.Timeout {
    return setTimeout(() => this.overdue(slot, id), Math.max(0, deadline + this.options.graceMs - this.options.now()));
  }

  private post(slot: Slot, message: ToWorker): void {
    try {
      slot.worker.postMessage(message);
    } catch {
      this.crashed(slot, 'worker unreachable');
    }
  }

  /**
   * The worker that has the script loaded, unless it is much busier than the least loaded or has
   * gone quiet (see AFFINITY_SLACK); else the least loaded, preferring among equals one that has it.
   */
  private pick(key: string | null): Slot {
    while (this.slots.length < this.options.workers) this.slots.push(this.spawn());
    let best = this.slots[0];
    let home: Slot | null = null;
    for (const slot of this.slots) {
      const load = slot.pending.size;
      const bestLoad = best.pending.size;
      const hasKey = key !== null && slot.keys.has(key);
      if (load < bestLoad || (load === bestLoad && hasKey && !(key !== null && best.keys.has(key)))) best = slot;
      if (hasKey && (home === null || load < home.pending.size)) home = slot;
    }
    if (home === null || home === best || home.pending.size > best.pending.size + AFFINITY_SLACK) return best;
    const quiet = home.pending.size > 0 && this.options.now() - home.heardAt >= QUIET_MS;
    return quiet ? best : home;
  }

  private spawn(): Slot {
    const watchBuffer = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT);
    const data: SandboxWorkerData = {
      limits: this.options.limits,
      host: this.options.host,
      hostModule: this.options.hostModule,
      maxInstances: this.options.maxInstances,
      logLevels: this.options.logLevels === null ? null : [...this.options.logLevels],
      watch: watchBuffer,
    };
    // Outside any call's context: the worker and its message port outlive the call that happened
    // to need the first one, and every callback below would otherwise run in that call's context
    // (its trace id, transport and operation on every log line of every later call).
    const worker = outsideAnyContext(() => new Worker(new URL('./sandbox.worker.js', import.meta.url), { workerData: data }));
    // Idle workers must not keep the process alive; a call in flight does, through its timer.
    worker.unref();
    const spawnedAt = this.options.now();
    const slot: Slot = { worker, pending: new Map(), watch: new Float64Array(watchBuffer), keys: new Set(), sources: new Set(), dead: false, spawnedAt, readyAt: null, heardAt: spawnedAt };
    worker.on('message', (message: FromWorker) => this.receive(slot, message));
    worker.on('error', () => this.crashed(slot, 'worker failed'));
    worker.on('exit', () => this.crashed(slot, 'worker exited'));
    return slot;
  }

  private receive(slot: Slot, message: FromWorker): void {
    slot.heardAt = this.options.now();
    if (message.t === 'log') {
      try {
        this.options.logSink(message.entry);
      } catch {
        // The sink is the log; nothing better to do.
      }
      return;
    }
    if (slot.dead) return;
    if (message.t === 'ready') return this.started(slot, message.at);
    const pending = slot.pending.get(message.id);
    if (pending === undefined) return;
    if (message.t === 'need') {
      if (pending.request !== null) this.post(slot, { t: 'call', id: message.id, sentAt: pending.sentAt, request: this.wireRequest(slot, pending.request, true) });
      return;
    }
    slot.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.t === 'ok') pending.resolve(message.value);
    else pending.reject(fromWireError(message.error));
  }

  /** The worker is up: what was sent before gets the start-up wait added to its deadline. */
  private started(slot: Slot, readyAt: number): void {
    slot.readyAt = readyAt;
    for (const [id, pending] of slot.pending) {
      if (pending.sentAt >= readyAt) continue;
      pending.deadline += readyAt - pending.sentAt;
      clearTimeout(pending.timer);
      pending.timer = this.watchdog(slot, id, pending.deadline);
    }
  }

  private overdue(slot: Slot, id: number): void {
    const pending = slot.pending.get(id);
    if (pending === undefined || slot.dead) return;
    if (slot.readyAt === null) {
      const startupLeft = slot.spawnedAt + STARTUP_LIMIT_MS - this.options.now();
      if (startupLeft > 0) {
        pending.timer = setTimeout(() => this.overdue(slot, id), Math.min(startupLeft, this.options.graceMs) + 1);
        return;
      }
      this.crashed(slot, `worker did not start within ${STARTUP_LIMIT_MS / 1000} s`);
      return;
    }
    const runningUnder = slot.watch[0] ?? 0;
    const now = this.options.now();
    const grace = this.options.graceMs;
    if (runningUnder > 0 && now < runningUnder + grace) {
      // Busy with a call still inside its own budget: ours is queued behind it, not stuck. Infinity
      // is the sandbox's own start-up code (an instance's bridge): look again after a grace, not
      // at setTimeout(Infinity), which Node runs after 1 ms, warning each time.
      const wait = Number.isFinite(runningUnder) ? runningUnder + grace - now + 1 : grace;
      pending.timer = setTimeout(() => this.overdue(slot, id), wait);
      return;
    }
    this.replace(slot);
    this.fail(slot, id, 'worker terminated after a call overran its deadline');
  }

  private crashed(slot: Slot, why: string): void {
    if (slot.dead) return;
    this.replace(slot);
    this.fail(slot, null, why);
  }

  /** Takes `slot` out of service; a fresh worker is spawned on the next call. */
  private replace(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    if (!this.closed) this.replaced++;
    void slot.worker.terminate().catch(() => undefined);
  }

  private fail(slot: Slot, culprit: number | null, why: string): void {
    slot.dead = true;
    for (const [id, pending] of slot.pending) {
      clearTimeout(pending.timer);
      pending.reject(
        id === culprit
          ? timedOut(pending.label, pending.fn, pending.timeoutMs, 'running')
          : sandboxCrashed(pending.label, pending.fn, why),
      );
    }
    slot.pending.clear();
  }
}
