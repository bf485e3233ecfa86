import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_FILES, PROTO_LOADER_OPTIONS } from '../src/common/grpc/switchboard-grpc-server.js';
import { DIST_ROOT } from '../src/config/paths.js';
import { startSwitchboardProcess, type SwitchboardProcess } from './switchboard-process.js';

/**
 * What the delivery benches share: the verifying sink in its own process (bench/delivery-sink.ts),
 * the Switchboard process set up for them, the gRPC clients, publishing, and waiting for the sink.
 */
export const JWT = 'bench-secret-bench-secret-bench-secret-0123';
export const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

export interface SinkReport {
  deliveries: number;
  distinct: number;
  badSignatures: number;
  latencies: number[];
  firstAt: number;
  lastAt: number;
}

export interface Sink {
  port: number;
  report(): Promise<SinkReport>;
  reset(): Promise<void>;
  stop(): void;
}

const definition = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
export const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  rustbill: { integration: { IntegrationService: grpc.ServiceClientConstructor } };
  switchboard: { events: { v1: { EventService: grpc.ServiceClientConstructor } } };
};

export function pct(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function unary<T = unknown>(client: grpc.Client, method: string, request: unknown, metadata: grpc.Metadata): Promise<T> {
  return new Promise((resolve, reject) => {
    (client as unknown as Record<string, (r: unknown, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v: T) => void) => void>)[method](
      request,
      metadata,
      { deadline: Date.now() + 60_000 },
      (err, value) => (err ? reject(err) : resolve(value)),
    );
  });
}

export const event = (id: string) => ({
  event_id: id,
  event_type: 'order_paid',
  source: 'bench',
  occurred_at: new Date().toISOString(),
  data_json: JSON.stringify({ order_id: id, customer_email: 'bench@example.test', amount: '10.00', currency: 'USD' }),
});

/** `count` events in batches of 100, four batches in flight. */
export async function publishAll(client: grpc.Client, metadata: grpc.Metadata, count: number, prefix: string): Promise<void> {
  const batches: number[][] = [];
  for (let i = 0; i < count; i += 100) batches.push(Array.from({ length: Math.min(100, count - i) }, (_, j) => i + j));
  const run = new Set<Promise<unknown>>();
  for (const batch of batches) {
    const p = unary(client, 'PublishEvents', { events: batch.map((n) => event(`${prefix}-${n}-${randomUUID()}`)) }, metadata).finally(() => run.delete(p));
    run.add(p);
    if (run.size >= 4) await Promise.race(run);
  }
  await Promise.all(run);
}

/** `rate` events/s as a batch every 20 ms, for `seconds`. */
export async function publishAtRate(client: grpc.Client, metadata: grpc.Metadata, rate: number, seconds: number): Promise<{ events: number; seconds: number }> {
  const perTick = Math.max(1, Math.round((rate * 20) / 1_000));
  const start = Date.now();
  const pending: Promise<unknown>[] = [];
  let sent = 0;
  for (let tick = 0; Date.now() - start < seconds * 1_000; tick++) {
    pending.push(unary(client, 'PublishEvents', { events: Array.from({ length: perTick }, (_, j) => event(`rate-${tick}-${j}-${randomUUID()}`)) }, metadata));
    sent += perTick;
    const next = start + (tick + 1) * 20;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  await Promise.all(pending);
  return { events: sent, seconds: (Date.now() - start) / 1_000 };
}

export async function waitForDeliveries(sink: Sink, expected: number, timeoutMs: number): Promise<SinkReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await sink.report();
    if (report.distinct >= expected) return report;
    if (Date.now() > deadline) throw new Error(`only ${report.distinct} of ${expected} deliveries arrived in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A sink script forked with IPC: it prints its port on stdout, then answers each message `m` it
 * is sent with a message of type `m`. Resolves once the port is known.
 */
export function forkSink(script: string, args: string[]): Promise<{ port: number; ask: <T>(message: string) => Promise<T>; stop: () => void }> {
  const child = fork(join(DIST_ROOT, 'bench', script), args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const ask = <T>(message: string): Promise<T> =>
    new Promise((resolve) => {
      const onMessage = (m: { type: string }) => {
        if (m.type !== message) return;
        child.off('message', onMessage);
        resolve(m as T);
      };
      child.on('message', onMessage);
      child.send(message);
    });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve({ port: Number(d.toString().trim()), ask, stop: () => child.kill('SIGTERM') }));
    child.once('exit', (code) => reject(new Error(`sink exited (${code})`)));
  });
}

export async function startSink(): Promise<Sink> {
  const { port, ask, stop } = await forkSink('delivery-sink.js', [WEBHOOK_SECRET]);
  return { port, report: () => ask<SinkReport>('report'), reset: () => ask<void>('reset'), stop };
}

/** The real process (role all), plugins allowed to reach the sink, no health sweep during the run. */
export function startSwitchboard(work: string, databaseUrl: string | null, sinkPort: number, profDir: string | null = null, env: Record<string, string> = {}): Promise<SwitchboardProcess> {
  return startSwitchboardProcess({
    work,
    databaseUrl,
    jwtSecret: JWT,
    profDir,
    env: {
      PLUGIN_HTTP_ALLOW: `127.0.0.1:${sinkPort}`,
      HEALTH_CHECK_CRON: '0 0 1 1 *',
      // Tuning knobs pass through, so one run can try DELIVERY_CONCURRENCY=128 and the like.
      ...(Object.fromEntries(
        Object.entries(process.env).filter(([k]) => /^(DELIVERY_|PLUGIN_|OUTBOX_|DATABASE_POOL_SIZE|LOG_LEVEL)/.test(k)),
      ) as Record<string, string>),
      ...env,
    },
  });
}


/** `count` enabled webhook notifiers on the built-in plugin, each posting to its own path of the sink. */
export async function createWebhookNotifiers(integration: grpc.Client, metadata: grpc.Metadata, count: number, sinkPort: number, label = 'bench sink'): Promise<string[]> {
  const { plugins } = await unary<{ plugins: { id: string; plugin_type: string; plugin_id: string }[] }>(integration, 'ListPlugins', {}, metadata);
  const webhook = plugins.find((p) => p.plugin_type === 'notifier' && p.plugin_id === 'webhook');
  if (!webhook) throw new Error('the built-in webhook plugin is not listed');
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await unary<{ interface: { id: string } }>(integration, 'CreatePluginInterface', {
      plugin_def_id: webhook.id,
      display_name: `${label} ${i + 1}`,
      config_json: JSON.stringify({ url: `http://127.0.0.1:${sinkPort}/hook/${i + 1}`, secret: WEBHOOK_SECRET }),
    }, metadata);
    ids.push(created.interface.id);
  }
  return ids;
}
