/**
 * Plugin sandbox micro-benchmark: warm inline and worker calls, cold loads, and a same-run direct
 * JavaScript baseline. Run after building: `node dist/bench/plugin-call.js`.
 */
import { createHash } from 'node:crypto';
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
  return { median: sorted[Math.floor(sorted.length / 2)]!, p99: sorted[Math.floor(sorted.length * 0.99)]! };
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

async function timeCalls(pool: SandboxPool, script: PluginScript, warmup: number, count: number): Promise<number[]> {
  const context = { interfaceId: 'bench', traceId: null };
  for (let i = 0; i < warmup; i++) await pool.call({ script, fn: 'render', config: CONFIG, params: params(i), context });
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await pool.call({ script, fn: 'render', config: CONFIG, params: params(i), context });
    samples.push((performance.now() - started) * 1000);
  }
  return samples;
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

  const inline = new SandboxPool({ limits: LIMITS, host: hostSettings(), logSink: () => undefined, tier: 'inline', createHost: () => benchHost, hostModule });
  const inlineStats = stats(await timeCalls(inline, script, 5_000, 50_000));
  await inline.close();

  const worker = new SandboxPool({ limits: LIMITS, host: hostSettings(), logSink: () => undefined, tier: 'worker', workers: 2, hostModule });
  const workerStats = stats(await timeCalls(worker, script, 2_000, 10_000));
  await worker.close();

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

  console.log(`warm inline call: median ${fmt(inlineStats.median)} µs, p99 ${fmt(inlineStats.p99)} µs (target ≤ 50 µs)`);
  console.log(`warm worker call: median ${fmt(workerStats.median)} µs, p99 ${fmt(workerStats.p99)} µs`);
  console.log(`cold load: median ${fmt(coldStats.median, 2)} ms, p99 ${fmt(coldStats.p99, 2)} ms (target ≤ 5 ms)`);
  console.log(`direct JS call with the same JSON round trip: median ${fmt(directStats.median, 2)} µs (inline/direct ${fmt(inlineStats.median / directStats.median)}x)`);
  console.log(`direct JS call, plain: median ${fmt(plainStats.median, 3)} µs`);
}

function hostSettings() {
  return {
    http: { defaultTimeoutMs: 1_000, maxTimeoutMs: 1_000, maxResponseBytes: 1024, maxRequestBytes: 1024, allow: [] },
    mail: { smtpUrl: null, from: 'bench@example.test', timeoutMs: 1_000 },
  };
}

await main();
