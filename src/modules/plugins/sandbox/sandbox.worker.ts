import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { HostApi, HostApiSettings, HostLogEntry, HostLogSink } from '../host/host-api.types.js';
import { SandboxEngine } from './sandbox-engine.js';
import { QuickJsModuleFactory } from './quickjs-module-factory.js';
import { toWireError } from './sandbox-errors.js';
import type { FromWorker, SandboxWorkerData, ToWorker } from './sandbox-wire.types.js';

/**
 * Entry point of a sandbox worker thread: the sandbox engine (SandboxEngine), with its own QuickJS
 * modules and its own HostApi built from plain settings. Host log entries go back to the main
 * thread. The main thread enforces deadlines from outside (watch slot + terminate()).
 */

type HostClass = new (settings: HostApiSettings, sink: HostLogSink) => HostApi;

/** Niceness of sandbox threads: a script burning CPU yields it to the thread that serves requests. */
const SANDBOX_NICENESS = 5;

/**
 * On Linux a thread has its own scheduling priority: lower this one's (by its thread id, read from
 * /proc/thread-self), so a busy 2-core machine running looping scripts still answers requests at
 * once. Elsewhere, or without /proc, the worker runs at normal priority.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, SANDBOX_NICENESS);
  } catch {
    // Not Linux, or not allowed: normal priority.
  }
}

lowerPriority();

const data = workerData as SandboxWorkerData;
const port = parentPort!;

function post(message: FromWorker): void {
  try {
    port.postMessage(message);
  } catch {
    // Log fields a host let through that do not clone: send them as JSON instead.
    if (message.t === 'log') port.postMessage({ t: 'log', entry: JSON.parse(JSON.stringify(message.entry)) as HostLogEntry });
  }
}

const executor = new SandboxEngine({
  limits: data.limits,
  maxInstances: data.maxInstances,
  watch: new Float64Array(data.watch),
  host: async () => {
    const module = (await import(data.hostModule.url)) as Record<string, unknown>;
    const Host = module[data.hostModule.exportName] as HostClass | undefined;
    if (typeof Host !== 'function') throw new Error(`${data.hostModule.url} has no export ${data.hostModule.exportName}`);
    // The call's AbortSignal stays on this thread: log lines carry who called, not how to stop it.
    return new Host(data.host, ({ context: { signal: _signal, ...context }, ...entry }) => {
      if (data.logLevels === null || data.logLevels.includes(entry.level)) post({ t: 'log', entry: { ...entry, context } });
    });
  },
});

/** Script sources by sha256, so calls need not carry them (least recently used go first). */
const sources = new Map<string, string>();
const MAX_SOURCES = 256;

function remember(sha256: string, source: string): void {
  sources.delete(sha256);
  sources.set(sha256, source);
  if (sources.size > MAX_SOURCES) sources.delete(sources.keys().next().value!);
}

/** Set once start-up is over; requests that arrive before wait in `early`. */
let readyAt: number | null = null;
const early: ToWorker[] = [];

/** How long a request waited for this worker to start: added to its deadline (see ToWorker). */
function startupDelay(sentAt: number): number {
  return readyAt !== null && readyAt > sentAt ? readyAt - sentAt : 0;
}

function handle(message: ToWorker): void {
  switch (message.t) {
    case 'call': {
      const { script } = message.request;
      const source = script.source ?? sources.get(script.sha256);
      if (source === undefined) {
        post({ t: 'need', id: message.id });
        break;
      }
      remember(script.sha256, source);
      const request = { ...message.request, script: { ...script, source }, deadline: message.request.deadline + startupDelay(message.sentAt) };
      executor.call(request).then(
        (value) => post({ t: 'ok', id: message.id, value }),
        (error: unknown) => post({ t: 'err', id: message.id, error: toWireError(error) }),
      );
      break;
    }
    case 'inspect':
      executor.inspect(message.source, message.label, message.deadline + startupDelay(message.sentAt), message.timeoutMs, message.calls).then(
        (value) => post({ t: 'ok', id: message.id, value }),
        (error: unknown) => post({ t: 'err', id: message.id, error: toWireError(error) }),
      );
      break;
    case 'evict':
      executor.evict(message.key);
      break;
  }
}

port.on('message', (message: ToWorker) => {
  if (readyAt === null) early.push(message);
  else handle(message);
});

// Start-up (host API, WebAssembly compile, interrupt-counter probe) is paid before any deadline
// runs. A failure here is not fatal: the first call then reports it as the sandbox's failure.
void Promise.allSettled([executor.warm(), QuickJsModuleFactory.warm()]).then(() => {
  // A worker thread has no injected clock: deadlines are epoch ms on the system clock (see Clock).
  readyAt = Date.now();
  post({ t: 'ready', at: readyAt });
  for (const message of early.splice(0)) handle(message);
});
