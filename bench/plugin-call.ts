/**
 * Plugin sandbox micro-benchmark: warm calls through the pool (worker threads, as production), the
 * same engine driven on the calling thread (what an "inline" tier would cost; production has none),
 * cold loads, a same-run direct JavaScript baseline, and the worst event-loop stall of the calling
 * thread while hostile scripts run. Run: `npm run bench`.
 */
import { createHash } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SandboxEngine } from '../src/modules/plugins/sandbox/sandbox-engine.js';
// A failed worker call names its code through the error table: install it as the app does.
import '../src/app.errors.js';
import type { HostApi } from '../src/modules/plugins/host/host-api.types.js';
import { PluginInstance } from '../src/modules/plugins/sandbox/plugin-instance.js';
import { SandboxPool } from '../src/modules/plugins/sandbox/sandbox-pool.js';
import type { PluginScript, SandboxLimits } from '../src/modules/plugins/sandbox/sandbox.types.js';

const LIMITS: SandboxLimits = { timeoutMs: 5_000, memoryBytes: 32 * 1024 * 1024, stackBytes: 256 * 1024, maxResultBytes: 1024 * 1024 };

const SOURCE = `
function version() { return "1.0.0"; }
function render(config, params) {
  return {
    url: config.url,
    headers: { authorization: "Bearer " + config.token, "content-type": "application/json" },
    body: { event: params.event, invoice: params.invoice_id, amount: params.amount * 100, tags: params.tags.slice(0, 3) },
  };
}
`;

function render(config: any, params: any): unknown {
  return {
    url: config.url,
    headers: { authorization: 'Bearer ' + config.token, 'content-type': 'application/json' },
    body: { event: params.event, invoice: params.invoice_id, amount: params.amount * 100, tags: params.tags.slice(0, 3) },
  };
}

const CONFIG = { url: 'https://hooks.example.com/billing', token: 'tok_123456' };
const params = (i: number) => ({ event: 'invoice.paid', invoice_id: `inv_${i}`, amount: 12.5 + i, tags: ['a', 'b', 'c', 'd'] });

/** A host the benchmark never calls into; the measured function is pure. */
const HOST_MODULE = `data:text/javascript,${encodeURIComponent(`
export class BenchHost {
  async httpRequest() { throw Object.assign(new Error('no network in the bench'), { name: 'HostApiError', code: 'network_error', data: {} }); }
  async mailSend() { throw Object.assign(new Error('no mail in the bench'), { name: 'HostApiError', code: 'mail_not_configured', data: {} }); }
  crypto() { return ''; }
  log() {}
  now() { return Date.now(); }
}`)}`;

const benchHost: HostApi = {
  httpRequest: () => Promise.reject(new Error('unused')),
  mailSend: () => Promise.reject(new Error('unused')),
  crypto: () => '',
  log: () => undefined,
  now: () => Date.now(),
};

function stats(samples: number[]): { median: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], p99: sorted[Math.floor(sorted.length * 0.99)] };
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

interface Caller {
  call(script: PluginScript, i: number): Promise<unknown>;
}

async function timeCalls(caller: Caller, script: PluginScript, warmup: number, count: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await caller.call(script, i);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await caller.call(script, i);
    samples.push((performance.now() - started) * 1000);
  }
  return samples;
}

const context = { interfaceId: 'bench', traceId: null };
const through = (pool: SandboxPool): Caller => ({
  call: (script, i) => pool.call({ script, fn: 'render', config: CONFIG, params: params(i), context }),
});
const onThisThread = (engine: SandboxEngine): Caller => ({
  call: async (script, i) => {
    const argsJson = `[${JSON.stringify(CONFIG)},${JSON.stringify(params(i))}]`;
    return JSON.parse(await engine.call({ script, fn: 'render', argsJson, deadline: Date.now() + LIMITS.timeoutMs, timeoutMs: LIMITS.timeoutMs, context })) as unknown;
  },
});

const HOSTILE = `
function loop() { while (true) {} }
function quadratic() { const s = "a".repeat(200000) + "b"; let n = 0; for (let i = 0; i < 40; i++) n += s.indexOf("a".repeat(100000) + "c"); return n; }
function bomb() { const a = []; while (true) a.push(new Array(1e6).fill(1)); }
function microtasks() { const spin = () => Promise.resolve().then(spin); spin(); return new Promise(() => {}); }
`;

/** Worst stall of this thread's event loop (ms) while hostile calls run in the pool. */
async function worstStall(pool: SandboxPool): Promise<{ maxMs: number; calls: number }> {
  const sha256 = createHash('sha256').update(HOSTILE).digest('hex');
  const script: PluginScript = { key: 'bench:hostile', label: 'bench/hostile', source: HOSTILE, sha256 };
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  let calls = 0;
  for (let round = 0; round < 3; round++) {
    await Promise.allSettled(
      ['loop', 'quadratic', 'bomb', 'microtasks'].map((fn) => {
        calls++;
        return pool.call({ script, fn, config: {}, params: {}, context, timeoutMs: 500 });
      }),
    );
  }
  histogram.disable();
  return { maxMs: histogram.max / 1e6, calls };
}

async function main(): Promise<void> {
  const sha256 = createHash('sha256').update(SOURCE).digest('hex');
  const script: PluginScript = { key: 'bench:render', label: 'bench/render', source: SOURCE, sha256 };
  const hostModule = { url: HOST_MODULE, exportName: 'BenchHost' };

  // Direct JavaScript baseline: the same function with the same JSON encode/decode around it.
  const direct: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < 60_000; i++) {
    const p = params(i);
    let started = performance.now();
    const args = JSON.parse(`[${JSON.stringify(CONFIG)},${JSON.stringify(p)}]`) as [unknown, unknown];
    JSON.parse(JSON.stringify(render(args[0], args[1])));
    if (i >= 10_000) direct.push((performance.now() - started) * 1000);
    started = performance.now();
    render(CONFIG, p);
    if (i >= 10_000) plain.push((performance.now() - started) * 1000);
  }

  const engine = new SandboxEngine({ limits: LIMITS, host: () => benchHost });
  const engineStats = stats(await timeCalls(onThisThread(engine), script, 5_000, 50_000));
  await engine.close();

  const pool = new SandboxPool({ limits: LIMITS, host: hostSettings(), logSink: () => undefined, workers: 2, hostModule });
  const workerStats = stats(await timeCalls(through(pool), script, 2_000, 20_000));
  const stall = await worstStall(pool);
  await pool.close();

  // Cold load: a fresh WebAssembly module, runtime and context, bridge and script, then dispose.
  const cold: number[] = [];
  for (let i = 0; i < 300; i++) {
    const started = performance.now();
    const instance = await PluginInstance.load({ label: 'bench/render', source: SOURCE, limits: LIMITS, host: benchHost, deadline: Date.now() + 5_000, timeoutMs: 5_000 });
    if (i >= 50) cold.push(performance.now() - started);
    instance.dispose();
  }
  const coldStats = stats(cold);
  const directStats = stats(direct);
  const plainStats = stats(plain);

  const ratio = (n: number) => `${fmt(n / directStats.median)}x direct`;
  console.log(`direct JS call with the same JSON round trip (baseline): median ${fmt(directStats.median, 2)} µs; plain call ${fmt(plainStats.median, 3)} µs`);
  console.log(`warm call through the pool (worker thread): median ${fmt(workerStats.median)} µs, p99 ${fmt(workerStats.p99)} µs (${ratio(workerStats.median)}; target ≤ 10x)`);
  console.log(`same engine on the calling thread (no inline tier in production): median ${fmt(engineStats.median)} µs, p99 ${fmt(engineStats.p99)} µs (${ratio(engineStats.median)})`);
  console.log(`cold load: median ${fmt(coldStats.median, 2)} ms, p99 ${fmt(coldStats.p99, 2)} ms (target ≤ 5 ms)`);
  console.log(`worst event-loop stall of the calling thread during ${stall.calls} hostile calls (loop, quadratic indexOf, memory bomb, microtask chain): ${fmt(stall.maxMs)} ms`);
}

function hostSettings() {
  return {
    http: { defaultTimeoutMs: 1_000, maxTimeoutMs: 1_000, maxResponseBytes: 1024, maxRequestBytes: 1024, allow: [] },
    mail: { smtpUrl: null, from: 'bench@example.test', timeoutMs: 1_000 },
  };
}

await main();
