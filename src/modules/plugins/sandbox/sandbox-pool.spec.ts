import { createHash } from 'node:crypto';
import { AppError } from '../../../common/errors/app-error.js';
import { HostApiError, type HostApi, type HostCallContext, type HostLogEntry } from '../host/host-api.types.js';
import { SandboxPool } from './sandbox-pool.js';
import { SandboxEngine } from './sandbox-engine.js';
import type { PluginScript, SandboxCallRequest, SandboxLimits, SandboxPoolOptions } from './sandbox.types.js';

const LIMITS: SandboxLimits = { timeoutMs: 1_000, memoryBytes: 16 * 1024 * 1024, stackBytes: 256 * 1024, maxResultBytes: 64 * 1024 };
// origin: what the main thread's log lines name (transport, operation); it must reach the host untouched.
const ORIGIN = { transport: 'internal' as const, operation: 'send order_paid via webhook' };
const CONTEXT = { interfaceId: 'if-1', traceId: 'trace-1', origin: ORIGIN };
const HOST_SETTINGS = {
  http: { defaultTimeoutMs: 1_000, maxTimeoutMs: 1_000, maxResponseBytes: 1_024, maxRequestBytes: 1_024, allow: [] },
  mail: { smtpUrl: null, from: 'x@example.test', timeoutMs: 1_000 },
};

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** Resolves once `condition()` holds, checked after each turn of the event loop (at most 10 s). */
async function until(condition: () => boolean): Promise<void> {
  const giveUp = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error('condition not met in 10 s');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The in-thread engine's host: `now()` answers 1, so a script can tell it from a worker (2). */
class FakeHost implements HostApi {
  readonly calls: HostCallContext[] = [];

  constructor(private readonly sink: (entry: HostLogEntry) => void) {}

  async httpRequest(request: unknown, context: HostCallContext) {
    this.calls.push(context);
    const req = request as { url?: unknown; body?: unknown } | null;
    if (typeof req !== 'object' || req === null || typeof req.url !== 'string') throw new HostApiError('invalid_argument', 'request.url must be a string');
    await delay(req.url.includes('/slow') ? 5_000 : 5);
    return { status: 200, headers: {}, body: JSON.stringify(req.body ?? null), json: req.body };
  }

  async mailSend(): Promise<never> {
    throw new HostApiError('smtp_error', 'mailbox unavailable', { responseCode: 550 });
  }

  crypto(name: string, args: unknown[]): string {
    if (name === 'hmacSha256' && typeof args[0] === 'string' && typeof args[1] === 'string') return `mac(${args[0]},${args[1]})`;
    throw new HostApiError('invalid_argument', `${name}: key and data must be strings`);
  }

  log(level: unknown, message: unknown, fields: unknown, { signal: _signal, ...context }: HostCallContext): void {
    if (typeof message !== 'string') throw new HostApiError('invalid_argument', 'log message must be a string');
    this.sink({ level: level as HostLogEntry['level'], message, fields: (fields ?? {}) as Record<string, unknown>, context });
  }

  now(): number {
    return 1;
  }
}

/**
 * The worker tier's host, loaded by each worker from a data: URL (a worker cannot receive a class).
 * `now()` answers 2; `crypto.sha1` blocks its thread for 3 s, standing in for a stuck worker.
 */
const WORKER_HOST = {
  exportName: 'WorkerFakeHost',
  url: `data:text/javascript,${encodeURIComponent(`
    const hostError = (code, message, data = {}) => Object.assign(new Error(message), { name: 'HostApiError', code, data });
    export class WorkerFakeHost {
      constructor(settings, sink) { this.sink = sink; }
      async httpRequest(req, context) {
        if (typeof req !== 'object' || req === null || typeof req.url !== 'string') throw hostError('invalid_argument', 'request.url must be a string');
        await new Promise((resolve) => setTimeout(resolve, req.url.includes('/slow') ? 5000 : 5).unref());
        return { status: 200, headers: {}, body: JSON.stringify(req.body ?? null), json: req.body };
      }
      async mailSend() { throw hostError('smtp_error', 'mailbox unavailable', { responseCode: 550 }); }
      crypto(name, args) {
        if (name === 'sha1') { const end = Date.now() + 3000; while (Date.now() < end) {} return 'late'; }
        if (name === 'hmacSha256' && typeof args[0] === 'string' && typeof args[1] === 'string') return 'mac(' + args[0] + ',' + args[1] + ')';
        throw hostError('invalid_argument', name + ': key and data must be strings');
      }
      log(level, message, fields, context) {
        if (typeof message !== 'string') throw hostError('invalid_argument', 'log message must be a string');
        this.sink({ level, message, fields: fields ?? {}, context });
      }
      now() { return 2; }
    }
  `)}`,
};

function script(label: string, source: string, key = `plugin:${label}`): PluginScript {
  return { key, label, source, sha256: createHash('sha256').update(source).digest('hex') };
}

const NORMAL = script(
  'notifier/normal',
  `
function version() { return "1.2.0"; }
function echo(config, params) { return { url: config.url, n: params.n + 1 }; }
`,
);

const HOSTILE = script(
  'notifier/hostile',
  `
function loop() { while (true) {} }
function bomb() { let a = []; while (true) a.push(new Array(1e6).fill(1)); }
function deep() { function f() { return f() + 1; } return f(); }
function swallowBomb() { while (true) { try { let a = []; while (true) a.push(new Array(1e6).fill(1)); } catch (e) {} } }
function swallowDeep() { function f() { return f() + 1; } while (true) { try { f(); } catch (e) {} } }
function swallowLoop() { while (true) { try { while (true) {} } catch (e) {} } }
function escape() { return constructor.constructor('return process')(); }
function escapeGlobal() {
  const g = constructor.constructor('return this')();
  return { process: typeof g.process, require: typeof g.require, names: Object.getOwnPropertyNames(g).filter((k) => /^(process|require|module|Buffer|setTimeout|fetch|global)$/.test(k)) };
}
function pollute() { Object.prototype.polluted = 1; Array.prototype.bad = 2; return JSON.parse('{"__proto__": {"injected": true}, "ok": true}'); }
function huge() { return "x".repeat(100 * 1024 * 1024); }
function big() { return "y".repeat(100 * 1024); }
function aFunction() { return function () {}; }
function aCycle() { const a = {}; a.self = a; return a; }
function aBigInt() { return { n: 10n }; }
function garbageHttp() { return http.request(42).then(() => "no error", (e) => ({ name: e.name, code: e.code, message: e.message })); }
function garbageCrypto() { try { crypto.hmacSha256(); return "no error"; } catch (e) { return { name: e.name, code: e.code }; } }
function garbageLog() { try { log.info({ toString() { throw 1; } }); return "no error"; } catch (e) { return { name: e.name, code: e.code }; } }
function uncaughtHost() { crypto.hmacSha256(); }
async function uncaughtAsyncHost() { await http.request(42); }
function thrower() {
  throw new TypeError("boom");
}
`,
);

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw new Error(`not an AppError: ${String(error)}`, { cause: error });
  }
  throw new Error('the call did not fail');
}

function makePool(overrides: Partial<SandboxPoolOptions> & { logs?: HostLogEntry[] } = {}): SandboxPool {
  const { logs = [], ...options } = overrides;
  return new SandboxPool({
    limits: LIMITS,
    host: HOST_SETTINGS,
    logSink: (entry: HostLogEntry) => logs.push(entry),
    workers: 1,
    graceMs: 200,
    hostModule: WORKER_HOST,
    ...options,
  });
}

/**
 * The engine each worker runs (SandboxEngine), driven on this thread with an in-process host, so
 * its behaviour can be observed directly; the pool tests below drive it through real workers.
 */
class Engine {
  readonly executor: SandboxEngine;

  constructor(
    private readonly limits: SandboxLimits,
    host: () => HostApi,
    maxInstances?: number,
  ) {
    this.executor = new SandboxEngine({ limits, host, maxInstances });
  }

  call(request: SandboxCallRequest): Promise<unknown> {
    const timeoutMs = request.timeoutMs ?? this.limits.timeoutMs;
    const argsJson = JSON.stringify([request.config, request.params]);
    return this.executor
      .call({ script: request.script, fn: request.fn, argsJson, deadline: Date.now() + timeoutMs, timeoutMs, context: request.context, transient: request.transient })
      .then((json) => JSON.parse(json) as unknown);
  }

  async inspect(source: string, label: string): Promise<{ functions: string[] }> {
    const outcome = await this.executor.inspect(source, label, Date.now() + this.limits.timeoutMs, this.limits.timeoutMs);
    return { functions: outcome.functions };
  }

  evict(key: string): void {
    this.executor.evict(key);
  }

  close(): Promise<void> {
    return this.executor.close();
  }
}

function makeEngine(
  overrides: { limits?: SandboxLimits; logs?: HostLogEntry[]; hosts?: FakeHost[]; maxInstances?: number; createHost?: (sink: (entry: HostLogEntry) => void) => HostApi } = {},
): Engine {
  const { logs = [], hosts = [], limits = LIMITS } = overrides;
  const sink = (entry: HostLogEntry) => logs.push(entry);
  return new Engine(
    limits,
    () => {
      if (overrides.createHost) return overrides.createHost(sink);
      const host = new FakeHost(sink);
      hosts.push(host);
      return host;
    },
    overrides.maxInstances,
  );
}

type Caller = { call(request: SandboxCallRequest): Promise<unknown> };

const call = (pool: Caller, target: PluginScript, fn: string, params: unknown = {}, timeoutMs?: number) =>
  pool.call({ script: target, fn, config: { url: 'https://hooks.example.test/x' }, params, context: CONTEXT, ...(timeoutMs ? { timeoutMs } : {}) });
/** A call that leaves the cache as it was (the health sweep's). */
const callTransient = (pool: Caller, target: PluginScript, fn: string) =>
  pool.call({ script: target, fn, config: { url: 'https://hooks.example.test/x' }, params: {}, context: CONTEXT, transient: true });

describe('sandbox engine (what each worker runs)', () => {
  const logs: HostLogEntry[] = [];
  const hosts: FakeHost[] = [];
  let pool: Engine;
  beforeAll(() => {
    pool = makeEngine({ logs, hosts });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('lists the top-level functions, not the host globals or intrinsics', async () => {
    const source = `
      var notAFunction = 1;
      const arrow = () => 1;
      function version() { return "1"; }
      async function send() {}
      function now() { return 0; }
      globalThis.assigned = function () {};
    `;
    const { functions } = await pool.inspect(source, 'notifier/list');
    expect([...functions].sort()).toEqual(['assigned', 'now', 'send', 'version']);
  });

  it('rejects a syntax error as plugins.invalid_plugin naming the plugin and line', async () => {
    const error = await failure(pool.inspect('function ok() {}\n\nlet broken = ;\n', 'notifier/broken'));
    expect(error.code).toBe('plugins.invalid_plugin');
    expect(error.message).toMatch(/notifier\/broken.*SyntaxError.*line 3/);
  });

  it('rejects a top-level throw as plugins.invalid_plugin', async () => {
    const error = await failure(pool.inspect('function ok() {}\nthrow new Error("no config");', 'notifier/throws'));
    expect(error.code).toBe('plugins.invalid_plugin');
    expect(error.message).toMatch(/Error: no config \(line 2\)/);
  });

  it('passes JSON in and JSON out; undefined becomes null', async () => {
    const target = script('notifier/json', 'function f(config, params) { return { config, params, sum: params.a + params.b }; }\nfunction nothing() {}');
    await expect(pool.call({ script: target, fn: 'f', config: { url: 'u', nested: [1, { x: null }] }, params: { a: 1, b: 2 }, context: CONTEXT })).resolves.toEqual({
      config: { url: 'u', nested: [1, { x: null }] },
      params: { a: 1, b: 2 },
      sum: 3,
    });
    await expect(call(pool, target, 'nothing')).resolves.toBeNull();
    await expect(call(pool, NORMAL, 'version')).resolves.toBe('1.2.0');
  });

  it('awaits async functions and async host calls, with the call context on host calls and logs', async () => {
    const target = script(
      'notifier/async',
      `async function send(config, params) {
         const r = await http.request({ method: "POST", url: config.url, body: params });
         log.info("sent", { status: r.status });
         console.log("done", { n: 1 });
         return { outcome: "success", echoed: r.json, mac: crypto.hmacSha256("k", "d"), at: now() };
       }
       async function sendMail() { try { await mail.send({ to: "a@b" }); } catch (e) { return { code: e.code, responseCode: e.responseCode }; } }`,
    );
    await expect(call(pool, target, 'send', { id: 7 })).resolves.toEqual({ outcome: 'success', echoed: { id: 7 }, mac: 'mac(k,d)', at: 1 });
    const context = { plugin: 'notifier/async', interfaceId: 'if-1', traceId: 'trace-1', origin: ORIGIN, personalTarget: null, fn: 'send' };
    expect(logs.filter((entry) => entry.context.plugin === 'notifier/async')).toEqual([
      { level: 'info', message: 'sent', fields: { status: 200 }, context },
      { level: 'info', message: 'done {"n":1}', fields: {}, context },
    ]);
    // Host calls get the call's signal, aborted once the call is over (the host stops its requests).
    const { signal, ...called } = hosts[0].calls.at(-1)!;
    expect(called).toEqual(context);
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal!.aborted).toBe(true);
    await expect(call(pool, target, 'sendMail')).resolves.toEqual({ code: 'smtp_error', responseCode: 550 });
  });

  it('fails an unknown function with plugins.function_not_found', async () => {
    expect((await failure(call(pool, NORMAL, 'missing'))).code).toBe('plugins.function_not_found');
    expect((await failure(call(pool, NORMAL, 'toString'))).code).toBe('plugins.function_not_found');
    expect((await failure(call(pool, NORMAL, 'http'))).code).toBe('plugins.function_not_found');
  });

  it('maps a script exception to plugins.script_error with its name, message and line, no host stack', async () => {
    const error = await failure(call(pool, HOSTILE, 'thrower'));
    expect(error.code).toBe('plugins.script_error');
    expect(error.message).toBe('Plugin notifier/hostile: thrower threw TypeError: boom (line 25)');
    expect(error.details).toMatchObject({ name: 'TypeError', message: 'boom', line: 25 });
    expect(JSON.stringify(error.details)).not.toMatch(/node_modules|dist\//);
  });

  const hostile: Array<[string, string]> = [
    ['loop', 'plugins.timeout'],
    ['bomb', 'plugins.out_of_memory'],
    ['deep', 'plugins.stack_overflow'],
    ['swallowBomb', 'plugins.timeout'],
    ['swallowDeep', 'plugins.timeout'],
    ['swallowLoop', 'plugins.timeout'],
    ['escape', 'plugins.script_error'],
    ['big', 'plugins.result_too_large'],
    ['aFunction', 'plugins.invalid_result'],
    ['aCycle', 'plugins.invalid_result'],
    ['aBigInt', 'plugins.invalid_result'],
    ['uncaughtHost', 'plugins.script_error'],
    ['uncaughtAsyncHost', 'plugins.script_error'],
  ];
  it.each(hostile)('%s fails with %s, then another plugin still works', async (fn, code) => {
    const started = Date.now();
    const error = await failure(call(pool, HOSTILE, fn));
    expect(error.code).toBe(code);
    expect(error.message).toContain(`notifier/hostile: ${fn}`);
    // Deadlines hold even for scripts that swallow the errors (QuickJS checks adaptively). The bound
    // is generous for a busy machine; unbounded overruns (seconds to minutes) are what it catches.
    expect(Date.now() - started).toBeLessThan(LIMITS.timeoutMs + 2_000);
    await expect(call(pool, NORMAL, 'echo', { n: 1 })).resolves.toEqual({ url: 'https://hooks.example.test/x', n: 2 });
  });

  it('names the host error code of an uncaught host failure', async () => {
    const error = await failure(call(pool, HOSTILE, 'uncaughtHost'));
    expect(error.details).toMatchObject({ name: 'HostApiError', code: 'invalid_argument' });
  });

  it('gives the script catchable errors with .code for host calls with garbage', async () => {
    await expect(call(pool, HOSTILE, 'garbageHttp')).resolves.toEqual({ name: 'HostApiError', code: 'invalid_argument', message: 'request.url must be a string' });
    await expect(call(pool, HOSTILE, 'garbageCrypto')).resolves.toEqual({ name: 'HostApiError', code: 'invalid_argument' });
    await expect(call(pool, HOSTILE, 'garbageLog')).resolves.toEqual({ name: 'HostApiError', code: 'invalid_argument' });
  });

  it('exposes no Node object: constructor.constructor reaches only the QuickJS global', async () => {
    await expect(call(pool, HOSTILE, 'escapeGlobal')).resolves.toEqual({ process: 'undefined', require: 'undefined', names: [] });
    const error = await failure(call(pool, HOSTILE, 'escape'));
    expect(error.message).toContain("ReferenceError: 'process' is not defined");
  });

  it('keeps prototype pollution inside the script', async () => {
    const result = (await call(pool, HOSTILE, 'pollute')) as Record<string, unknown>;
    expect(result).toEqual({ ['__proto__']: { injected: true }, ok: true });
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(result.injected).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).bad).toBeUndefined();
    expect(({} as Record<string, unknown>).injected).toBeUndefined();
  });

  it('fails a 100 MB string result with plugins.result_too_large before copying it out', async () => {
    const roomy = makeEngine({ limits: { ...LIMITS, timeoutMs: 5_000, memoryBytes: 160 * 1024 * 1024, maxResultBytes: 1024 * 1024 } });
    try {
      const error = await failure(call(roomy, HOSTILE, 'huge'));
      expect(error.code).toBe('plugins.result_too_large');
      expect(error.details).toMatchObject({ size: 100 * 1024 * 1024 + 2, maxResultBytes: 1024 * 1024 });
    } finally {
      await roomy.close();
    }
  });

  it('counts time awaiting the host against the deadline, and the instance stays usable for others', async () => {
    const target = script(
      'notifier/slow',
      'async function slow(config) { await http.request({ url: config.url + "/slow" }); return "late"; }\nasync function quick(config) { return (await http.request({ url: config.url, body: 1 })).json; }',
    );
    const started = Date.now();
    const error = await failure(call(pool, target, 'slow'));
    expect(error.code).toBe('plugins.timeout');
    expect(error).toMatchObject({ phase: 'awaiting_host' });
    expect(error.details).toEqual({ plugin: 'notifier/slow', function: 'slow' });
    // The host call itself takes 5 s: the timeout did not wait for it.
    expect(Date.now() - started).toBeLessThan(4_000);
    await expect(call(pool, target, 'quick')).resolves.toBe(1);
  });

  it('runs concurrent calls: 20 on one plugin, others on other plugins, while one loops', async () => {
    const target = script(
      'notifier/concurrent',
      `async function send(config, params) { const r = await http.request({ url: config.url, body: params }); return r.json.i * 2; }
       function spin() { while (true) {} }`,
    );
    await expect(call(pool, target, 'send', { i: 1 })).resolves.toBe(2);
    // On one thread the loops run one after the other: the second gets a budget that outlasts the first.
    const sends = Array.from({ length: 20 }, (_, i) => call(pool, target, 'send', { i }, 3_000));
    const spin = failure(call(pool, target, 'spin', {}, 300));
    const others = Array.from({ length: 5 }, (_, i) => call(pool, NORMAL, 'echo', { n: i }, 3_000));
    const looping = failure(call(pool, HOSTILE, 'loop', {}, 700));
    await expect(Promise.all(sends)).resolves.toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    await expect(Promise.all(others)).resolves.toEqual(Array.from({ length: 5 }, (_, i) => ({ url: 'https://hooks.example.test/x', n: i + 1 })));
    await expect(spin).resolves.toMatchObject({ code: 'plugins.timeout', phase: 'running' });
    await expect(looping).resolves.toMatchObject({ code: 'plugins.timeout', phase: 'running' });
  });

  it('fails a promise that can never settle instead of waiting for the deadline', async () => {
    const target = script('notifier/stuck', 'function stuck() { return new Promise(() => {}); }');
    const error = await failure(call(pool, target, 'stuck'));
    // Waiting for the deadline would have ended as plugins.timeout.
    expect(error.code).toBe('plugins.script_error');
    expect(error.message).toContain('never settles');
  });

  it('refuses network I/O from top-level code while a script loads', async () => {
    const target = script('notifier/eager', 'var outcome = http.request({ url: "https://x.test" }).then(() => "sent", (e) => e.code);\nasync function result() { return await outcome; }');
    await expect(call(pool, target, 'result')).resolves.toBe('invalid_argument');
  });
});

describe('SandboxPool (worker tier)', () => {
  let pool: SandboxPool;
  const logs: HostLogEntry[] = [];
  beforeAll(() => {
    // The production grace: a looping script on a busy machine is stopped by its own deadline check.
    pool = makePool({ logs, workers: 2, graceMs: 1_000 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('runs calls in workers with the worker host, posting log entries back', async () => {
    const target = script('notifier/worker', 'async function send(config, params) { const r = await http.request({ url: config.url, body: params }); log.warn("from worker"); return { json: r.json, at: now() }; }');
    await expect(call(pool, target, 'send', { a: 1 })).resolves.toEqual({ json: { a: 1 }, at: 2 });
    expect(logs).toContainEqual({ level: 'warn', message: 'from worker', fields: {}, context: { plugin: 'notifier/worker', interfaceId: 'if-1', traceId: 'trace-1', origin: ORIGIN, personalTarget: null, fn: 'send' } });
  });

  it('inspects untrusted source in a worker', async () => {
    await expect(pool.inspect('function a() {}\nfunction b() {}', 'notifier/scan')).resolves.toEqual({ functions: ['a', 'b'], results: {} });
    expect((await failure(pool.inspect('function (', 'notifier/bad'))).code).toBe('plugins.invalid_plugin');
  });

  it('inspection probes the listed functions and reports each result or error', async () => {
    const source = 'function version() { return "1.2.3"; }\nfunction config_schema() { throw new TypeError("nope"); }\nfunction other() {}';
    const { functions, results } = await pool.inspect(source, 'notifier/probe', ['version', 'config_schema', 'channel']);
    expect(functions).toEqual(['version', 'config_schema', 'other']);
    expect(results.version).toEqual({ ok: true, value: '1.2.3' });
    expect(results.config_schema).toMatchObject({ ok: false, error: { code: 'plugins.script_error' } });
    expect(results.channel).toBeUndefined();
  });


  it.each([
    ['loop', 'plugins.timeout'],
    ['bomb', 'plugins.out_of_memory'],
    ['deep', 'plugins.stack_overflow'],
    ['swallowBomb', 'plugins.timeout'],
    ['thrower', 'plugins.script_error'],
  ])('%s fails with %s in a worker, then another plugin still works', async (fn, code) => {
    expect((await failure(call(pool, HOSTILE, fn))).code).toBe(code);
    await expect(call(pool, NORMAL, 'echo', { n: 1 })).resolves.toEqual({ url: 'https://hooks.example.test/x', n: 2 });
  });

  it('runs concurrent calls across workers while one loops', async () => {
    const target = script('notifier/wconcurrent', 'async function send(config, params) { const r = await http.request({ url: config.url, body: params }); return r.json.i; }');
    const replacedBefore = pool.workerReplacements;
    const looping = failure(call(pool, HOSTILE, 'loop', {}, 300));
    const sends = Array.from({ length: 20 }, (_, i) => call(pool, target, 'send', { i }, 5_000));
    await expect(Promise.all(sends)).resolves.toEqual(Array.from({ length: 20 }, (_, i) => i));
    await expect(looping).resolves.toMatchObject({ code: 'plugins.timeout' });
    // The loop was stopped by QuickJS's deadline check, not by killing its worker.
    expect(pool.workerReplacements - replacedBefore).toBe(0);
  });
});

describe('SandboxPool worker backstop', () => {
  it('terminates and replaces a worker that does not answer by deadline + grace', async () => {
    const pool = makePool({ workers: 1, graceMs: 200 });
    try {
      const target = script('notifier/stuckhost', 'function stuck() { return crypto.sha1("x"); }\nasync function wait(config) { return (await http.request({ url: config.url, body: "ok" })).json; }');
      await expect(call(pool, target, 'wait')).resolves.toBe('ok');
      const started = Date.now();
      const stuck = call(pool, target, 'stuck');
      const bystander = call(pool, target, 'wait', {}, 2_000);
      const error = await failure(stuck);
      expect(error.code).toBe('plugins.timeout');
      // crypto.sha1 blocks the worker for 3 s: the backstop did not wait for it.
      expect(Date.now() - started).toBeLessThan(2_900);
      expect((await failure(bystander)).code).toBe('plugins.sandbox_crashed');
      expect(pool.workerReplacements).toBe(1);
      // The replacement worker compiles QuickJS afresh; on a loaded CI machine that alone can take
      // longer than the 300 ms test limit, so the first calls after it get a roomier budget.
      await expect(call(pool, target, 'wait', {}, 5_000)).resolves.toBe('ok');
      await expect(call(pool, NORMAL, 'version', {}, 5_000)).resolves.toBe('1.2.0');
    } finally {
      await pool.close();
    }
  });
});

describe('SandboxPool cache and lifecycle', () => {
  it('keeps one instance per key, reloads on evict and on a changed sha256', async () => {
    const logs: HostLogEntry[] = [];
    const pool = makeEngine({ logs });
    try {
      const source = 'log.info("loaded");\nvar calls = 0;\nfunction count() { return ++calls; }';
      const target = script('notifier/cache', source, 'if-42');
      await expect(call(pool, target, 'count')).resolves.toBe(1);
      await expect(call(pool, target, 'count')).resolves.toBe(2);
      pool.evict('if-42');
      await expect(call(pool, target, 'count')).resolves.toBe(1);
      await expect(call(pool, { ...target, source: `${source}\n`, sha256: 'other' }, 'count')).resolves.toBe(1);
      expect(logs.filter((entry) => entry.message === 'loaded')).toHaveLength(3);
      expect(logs[0].context.fn).toBe('<load>');
    } finally {
      await pool.close();
    }
  });

  it.each([
    ['on this thread', () => makeEngine({ maxInstances: 2 })],
    ['through a worker', () => makePool({ maxInstances: 2 })],
  ])('a transient call uses the loaded instance if there is one, else one of its own, and leaves the cache as it was (%s)', async (_where, make) => {
    const pool = make();
    try {
      const source = 'var calls = 0;\nfunction count() { return ++calls; }';
      const [a, b, c] = ['if-a', 'if-b', 'if-c'].map((key) => script('notifier/transient', source, key));
      await expect(call(pool, a, 'count')).resolves.toBe(1);
      await expect(callTransient(pool, a, 'count')).resolves.toBe(2);
      // Not loaded: an instance of its own each time, not cached even though there is room.
      await expect(callTransient(pool, c, 'count')).resolves.toBe(1);
      await expect(callTransient(pool, c, 'count')).resolves.toBe(1);
      await expect(call(pool, b, 'count')).resolves.toBe(1);
      // The cache is full (a, b): a transient call evicts neither.
      await expect(callTransient(pool, c, 'count')).resolves.toBe(1);
      await expect(call(pool, a, 'count')).resolves.toBe(3);
      await expect(call(pool, b, 'count')).resolves.toBe(2);
      // An ordinary call still evicts the least recently used to make room: a, although a transient
      // call used it since (that is not a use).
      await expect(callTransient(pool, a, 'count')).resolves.toBe(4);
      await expect(call(pool, c, 'count')).resolves.toBe(1);
      await expect(call(pool, b, 'count')).resolves.toBe(3);
      await expect(call(pool, a, 'count')).resolves.toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('transient calls of one key in flight together share one instance; the next ones start afresh', async () => {
    const logs: HostLogEntry[] = [];
    const pool = makeEngine({ logs });
    try {
      const source = 'log.info("loaded");\nvar calls = 0;\nasync function count(config) { await http.request({ url: config.url }); return ++calls; }';
      const target = script('notifier/shared', source, 'if-shared');
      const both = await Promise.all([callTransient(pool, target, 'count'), callTransient(pool, target, 'count')]);
      expect([...both].sort()).toEqual([1, 2]);
      await expect(callTransient(pool, target, 'count')).resolves.toBe(1);
      expect(logs.filter((entry) => entry.message === 'loaded')).toHaveLength(2);
    } finally {
      await pool.close();
    }
  });

  it('posts back only the log levels asked for; the others never leave the worker', async () => {
    const logs: HostLogEntry[] = [];
    const pool = makePool({ logs, logLevels: ['info', 'warn', 'error'] });
    try {
      const target = script('notifier/levels', 'function talk() { log.debug("chatter"); log.info("news"); log.error("alarm"); return 1; }');
      await expect(call(pool, target, 'talk')).resolves.toBe(1);
      expect(logs.map((entry) => entry.message)).toEqual(['news', 'alarm']);
    } finally {
      await pool.close();
    }
  });

  it('discards an instance after a limit violation: the next call reloads', async () => {
    const pool = makeEngine();
    try {
      const target = script('notifier/reload', 'var calls = 0;\nfunction count() { return ++calls; }\nfunction loop() { while (true) {} }');
      await expect(call(pool, target, 'count')).resolves.toBe(1);
      expect((await failure(call(pool, target, 'loop'))).code).toBe('plugins.timeout');
      await expect(call(pool, target, 'count')).resolves.toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('close() fails calls in flight and later calls with plugins.sandbox_crashed', async () => {
    const hosts: FakeHost[] = [];
    const pool = makeEngine({ hosts });
    const target = script('notifier/closing', 'async function slow(config) { await http.request({ url: config.url + "/slow" }); }');
    const inFlight = call(pool, target, 'slow', {}, 5_000);
    await until(() => (hosts[0]?.calls.length ?? 0) > 0);
    await pool.close();
    expect((await failure(inFlight)).code).toBe('plugins.sandbox_crashed');
    expect((await failure(call(pool, NORMAL, 'version'))).code).toBe('plugins.sandbox_crashed');
  });

  it('fails calls with plugins.sandbox_crashed while the host API cannot be built, and retries it', async () => {
    let attempts = 0;
    const pool = makeEngine({
      createHost: (sink) => {
        if (++attempts === 1) throw new Error('bad settings');
        return new FakeHost(sink);
      },
    });
    try {
      const error = await failure(call(pool, NORMAL, 'version'));
      expect(error.code).toBe('plugins.sandbox_crashed');
      expect(error.message).toContain('host API unavailable: bad settings');
      await expect(call(pool, NORMAL, 'version')).resolves.toBe('1.2.0');
    } finally {
      await pool.close();
    }
  });

  it('rejects arguments that are not JSON with plugins.invalid_config', async () => {
    const pool = makePool();
    try {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect((await failure(pool.call({ script: NORMAL, fn: 'echo', config: cyclic, params: {}, context: CONTEXT }))).code).toBe('plugins.invalid_config');
    } finally {
      await pool.close();
    }
  });
});

describe('SandboxPool: the start-up of a worker is not the script time', () => {
  it.each([['call'], ['inspect']])('a fresh worker pool answers a %s within a 250 ms budget, although starting a worker takes longer', async (what) => {
    // Spawning a worker, importing the host and compiling QuickJS takes 0.3-2 s on a busy machine;
    // only the script's own time counts against its deadline.
    const fresh = makePool({ workers: 1, limits: { ...LIMITS, timeoutMs: 250 } });
    try {
      if (what === 'call') await expect(call(fresh, script('notifier/quick', 'function ping() { return "pong"; }'), 'ping')).resolves.toBe('pong');
      else await expect(fresh.inspect('function ping() { return "pong"; }', 'notifier/quick', ['ping'])).resolves.toEqual({ functions: ['ping'], results: { ping: { ok: true, value: 'pong' } } });
    } finally {
      await fresh.close();
    }
  });
});

describe('SandboxPool: limits are classified as what they are, and an instance never wedges', () => {
  const RUNAWAY = script(
    'notifier/runaway',
    `
function growingChain() { const spin = () => Promise.resolve().then(spin); spin(); return new Promise(() => {}); }
function flatChain() { const spin = () => { Promise.resolve().then(spin); }; spin(); return new Promise(() => {}); }
function leftBehind() { const spin = () => Promise.resolve().then(spin); spin(); return 1; }
function throwNull() { throw null; }
function fillHeap() { globalThis.keep = []; try { while (true) globalThis.keep.push("x".repeat(1e5)); } catch (e) {} return "full"; }
function size(config, params) { return params.big.length; }
`,
  );
  let pool: SandboxPool;
  beforeAll(() => {
    // Generous deadlines: these are about memory, and a busy machine must not turn them into timeouts.
    pool = makePool({ workers: 1, graceMs: 1_000, limits: { ...LIMITS, timeoutMs: 15_000 } });
  });
  afterAll(() => pool.close());

  it('an endless microtask chain that fills the heap is out_of_memory, not "never settles"', async () => {
    await expect(failure(call(pool, RUNAWAY, 'growingChain'))).resolves.toMatchObject({ code: 'plugins.out_of_memory' });
  });

  it('an endless microtask chain that does not grow is stopped at the deadline', async () => {
    await expect(failure(call(pool, RUNAWAY, 'flatChain', {}, 300))).resolves.toMatchObject({ code: 'plugins.timeout', phase: 'running' });
  });

  it('a call that returns but leaves a runaway chain behind is charged with it', async () => {
    await expect(failure(call(pool, RUNAWAY, 'leftBehind'))).resolves.toMatchObject({ code: 'plugins.out_of_memory' });
  });

  it('throw null on a healthy heap is the script throwing, not out of memory', async () => {
    await expect(failure(call(pool, RUNAWAY, 'throwNull'))).resolves.toMatchObject({ code: 'plugins.script_error', message: expect.stringContaining('threw Error: null') });
  });

  it('an instance whose heap a call filled is rebuilt, not left refusing every larger call', async () => {
    await expect(call(pool, RUNAWAY, 'fillHeap')).resolves.toBe('full');
    const big = 'y'.repeat(300_000);
    await expect(call(pool, RUNAWAY, 'size', { big })).resolves.toBe(300_000);
    await expect(call(pool, RUNAWAY, 'size', { big })).resolves.toBe(300_000);
  });
});

describe('SandboxPool: the calling thread is never held', () => {
  it('while hostile scripts run, the event loop of the calling thread keeps turning', async () => {
    const hostile = script(
      'notifier/stall',
      `
function loop() { while (true) {} }
function quadratic() { const s = "a".repeat(200000) + "b"; let n = 0; for (let i = 0; i < 40; i++) n += s.indexOf("a".repeat(100000) + "c"); return n; }
function bomb() { const a = []; while (true) a.push(new Array(1e6).fill(1)); }
`,
    );
    const pool = makePool({ workers: 2, graceMs: 300 });
    let worst = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 5);
    try {
      const outcomes = await Promise.all(['loop', 'quadratic', 'bomb', 'loop'].map((fn) => failure(call(pool, hostile, fn, {}, 500))));
      // A call sharing a worker with one that had to be killed fails as sandbox_crashed (never retried:
      // it may have had side effects).
      for (const error of outcomes) expect(['plugins.timeout', 'plugins.out_of_memory', 'plugins.sandbox_crashed']).toContain(error.code);
      expect(outcomes.some((e) => e.code === 'plugins.timeout')).toBe(true);
    } finally {
      clearInterval(ticker);
      await pool.close();
    }
    // A 5 ms timer on a thread that runs no script: anything near a second would mean a script ran here.
    expect(worst).toBeLessThan(250);
  });
});
