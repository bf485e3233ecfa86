import type { HostApiSettings, HostLogEntry } from '../host/host-api.types.js';
import type { WireError } from './sandbox-errors.js';
import type { ExecRequest, HostModuleRef, SandboxLimits } from './sandbox.types.js';

/** Messages between WorkerExecutor (main thread) and sandbox.worker.js; all structured-cloneable. */

export interface SandboxWorkerData {
  limits: SandboxLimits;
  host: HostApiSettings;
  hostModule: HostModuleRef;
  maxInstances: number;
  /** Float64Array[1]: deadline in force while the worker is inside QuickJS, else 0. */
  watch: SharedArrayBuffer;
}

export type ToWorker =
  | { t: 'call'; id: number; request: ExecRequest }
  | { t: 'inspect'; id: number; source: string; label: string; deadline: number; timeoutMs: number }
  | { t: 'evict'; key: string };

export type FromWorker =
  | { t: 'ok'; id: number; value: string | string[] }
  | { t: 'err'; id: number; error: WireError }
  | { t: 'log'; entry: HostLogEntry };
