import { parentPort, workerData } from 'node:worker_threads';
import type { HostApi, HostApiSettings, HostLogEntry, HostLogSink } from '../host/host-api.types.js';
import { InlineExecutor } from './inline-executor.js';
import { toWireError } from './sandbox-errors.js';
import type { FromWorker, SandboxWorkerData, ToWorker } from './sandbox-wire.types.js';

/**
 * Entry point of a sandbox worker thread: the same engine as the inline tier, with its own QuickJS
 * modules and its own HostApi built from plain settings. Host log entries go back to the main
 * thread. The main thread enforces deadlines from outside (watch slot + terminate()).
 */

type HostClass = new (settings: HostApiSettings, sink: HostLogSink) => HostApi;

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

const executor = new InlineExecutor({
  limits: data.limits,
  maxInstances: data.maxInstances,
  watch: new Float64Array(data.watch),
  host: async () => {
    const module = (await import(data.hostModule.url)) as Record<string, unknown>;
    const Host = module[data.hostModule.exportName] as HostClass | undefined;
    if (typeof Host !== 'function') throw new Error(`${data.hostModule.url} has no export ${data.hostModule.exportName}`);
    return new Host(data.host, (entry) => post({ t: 'log', entry }));
  },
});

port.on('message', (message: ToWorker) => {
  switch (message.t) {
    case 'call':
      executor.call(message.request).then(
        (value) => post({ t: 'ok', id: message.id, value }),
        (error: unknown) => post({ t: 'err', id: message.id, error: toWireError(error) }),
      );
      break;
    case 'inspect':
      executor.inspect(message.source, message.label, message.deadline, message.timeoutMs).then(
        (value) => post({ t: 'ok', id: message.id, value }),
        (error: unknown) => post({ t: 'err', id: message.id, error: toWireError(error) }),
      );
      break;
    case 'evict':
      executor.evict(message.key);
      break;
  }
});
