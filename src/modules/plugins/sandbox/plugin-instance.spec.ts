import { AppError } from '../../../common/errors/app-error.js';
import type { HostApi } from '../host/host-api.types.js';
import { PluginInstance } from './plugin-instance.js';
import { QuickJsModuleFactory } from './quickjs-module-factory.js';
import type { SandboxLimits } from './sandbox.types.js';

const LIMITS: SandboxLimits = { timeoutMs: 300, memoryBytes: 16 * 1024 * 1024, stackBytes: 256 * 1024, maxResultBytes: 64 * 1024 };
const CONTEXT = { interfaceId: null, traceId: null };

/** Host calls park until released, so a test controls when promises settle. */
class ParkingHost implements HostApi {
  readonly parked: Array<() => void> = [];
  httpRequest(request: unknown) {
    return new Promise<{ status: number; headers: Record<string, string>; body: string; json: unknown }>((resolve) => {
      this.parked.push(() => resolve({ status: 200, headers: {}, body: '', json: request }));
    });
  }
  mailSend(): Promise<never> {
    return new Promise(() => undefined);
  }
  crypto(): string {
    return '';
  }
  log(): void {}
  now(): number {
    return 0;
  }
}

async function load(source: string, host: HostApi = new ParkingHost(), limits = LIMITS, onRetired?: () => void): Promise<PluginInstance> {
  return PluginInstance.load({ label: 'test/plugin', source, limits, host, deadline: Date.now() + 2_000, timeoutMs: 2_000, onRetired });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
}

const deadline = () => Date.now() + LIMITS.timeoutMs;

describe('PluginInstance', () => {
  it('finds where QuickJS keeps its interrupt counter (for fine-grained deadlines)', async () => {
    await expect(QuickJsModuleFactory.interruptCounterOffset()).resolves.toEqual(expect.any(Number));
  });

  it('caps the heap with its own WebAssembly memory, not QuickJS accounting', async () => {
    const wasm = await QuickJsModuleFactory.create(LIMITS.memoryBytes);
    expect(wasm.maxBytes).toBeLessThanOrEqual(LIMITS.memoryBytes + 7 * 1024 * 1024);
    const instance = await load('function bomb() { const a = []; while (true) a.push(new Array(1e5).fill(1)); }');
    // A generous deadline: this is about memory, and a busy machine must not turn it into a timeout.
    await expect(codeOf(instance.call('bomb', '[null,null]', Date.now() + 10_000, 10_000, CONTEXT))).resolves.toBe('plugins.out_of_memory');
    expect(instance.usable).toBe(false);
  });

  it('interleaves async calls on one instance and settles each with its own result', async () => {
    const host = new ParkingHost();
    const instance = await load('async function send(config, params) { const r = await http.request({ url: "u", body: params }); return r.json.body; }', host);
    const first = instance.call('send', '[{},{"n":1}]', Date.now() + 2_000, 2_000, CONTEXT);
    const second = instance.call('send', '[{},{"n":2}]', Date.now() + 2_000, 2_000, CONTEXT);
    expect(host.parked).toHaveLength(2);
    host.parked[1]();
    await expect(second).resolves.toBe('{"n":2}');
    host.parked[0]();
    await expect(first).resolves.toBe('{"n":1}');
    expect(instance.busy).toBe(false);
    instance.dispose();
  });

  it('disposes with host promises still pending, without a leak abort', async () => {
    const host = new ParkingHost();
    const instance = await load('async function send() { await http.request({ url: "u" }); return 1; }', host);
    const pending = instance.call('send', '[null,null]', Date.now() + 2_000, 2_000, CONTEXT);
    instance.dispose();
    await expect(codeOf(pending)).resolves.toBe('plugins.sandbox_crashed');
    host.parked[0]();
    expect(instance.usable).toBe(false);
  });

  it('retires after a timeout but lets the other calls in flight finish', async () => {
    const host = new ParkingHost();
    let retired = 0;
    const instance = await load('async function send() { const r = await http.request({ url: "u" }); return r.status; }\nfunction loop() { while (true) {} }', host, LIMITS, () => retired++);
    const waiting = instance.call('send', '[null,null]', Date.now() + 2_000, 2_000, CONTEXT);
    await expect(codeOf(instance.call('loop', '[null,null]', deadline(), LIMITS.timeoutMs, CONTEXT))).resolves.toBe('plugins.timeout');
    expect(retired).toBe(1);
    expect(instance.usable).toBe(false);
    await expect(codeOf(instance.call('send', '[null,null]', deadline(), LIMITS.timeoutMs, CONTEXT))).resolves.toBe('plugins.sandbox_crashed');
    host.parked[0]();
    await expect(waiting).resolves.toBe('200');
  });

  it('rejects a call whose deadline already passed without running it', async () => {
    const instance = await load('var runs = 0;\nfunction f() { return ++runs; }');
    await expect(codeOf(instance.call('f', '[null,null]', Date.now() - 1, 300, CONTEXT))).resolves.toBe('plugins.timeout');
    await expect(instance.call('f', '[null,null]', deadline(), 300, CONTEXT)).resolves.toBe('1');
    instance.dispose();
  });

  it('hands the module of a cleanly disposed instance to the next load, which starts from nothing', async () => {
    const source = 'var kept = null;\nfunction keep(config) { kept = config.secret; globalThis.leaked = config.secret; return true; }\nfunction peek() { return { kept: kept, leaked: typeof leaked === "undefined" ? null : leaked }; }';
    const first = await load(source);
    await expect(first.call('keep', '[{"secret":"s3cr3t-of-the-first"},null]', deadline(), LIMITS.timeoutMs, CONTEXT)).resolves.toBe('true');
    const idle = QuickJsModuleFactory.idleModules;
    first.dispose();
    expect(QuickJsModuleFactory.idleModules).toBe(idle + 1);
    const second = await load(source);
    expect(QuickJsModuleFactory.idleModules).toBe(idle);
    // A new runtime and context on the recycled module: no global, no value of the first survives.
    expect(JSON.parse(await second.call('peek', '[null,null]', deadline(), LIMITS.timeoutMs, CONTEXT))).toEqual({ kept: null, leaked: null });
    second.dispose();
  });

  it('drops, never recycles, the module of an instance that hit a limit or failed to load', async () => {
    const looping = await load('function loop() { while (true) {} }');
    const idle = QuickJsModuleFactory.idleModules;
    await expect(codeOf(looping.call('loop', '[null,null]', deadline(), LIMITS.timeoutMs, CONTEXT))).resolves.toBe('plugins.timeout');
    expect(looping.usable).toBe(false);
    expect(QuickJsModuleFactory.idleModules).toBe(idle);
    // The failed load took a recycled module if there was one, and does not give it back.
    await expect(codeOf(load('function ('))).resolves.toBe('plugins.invalid_plugin');
    expect(QuickJsModuleFactory.idleModules).toBe(Math.max(0, idle - 1));
  });

  it('times out an infinite top-level loop at load', async () => {
    const started = Date.now();
    const error = await PluginInstance.load({ label: 'test/plugin', source: 'while (true) {}', limits: LIMITS, host: new ParkingHost(), deadline: Date.now() + 200, timeoutMs: 200 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'plugins.timeout', phase: 'load', details: { plugin: 'test/plugin', function: '<load>' } });
    // Loose for a busy machine; an unbounded overrun is what it catches.
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
