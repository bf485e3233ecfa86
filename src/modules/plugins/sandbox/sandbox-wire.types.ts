import type { HostApiSettings, HostLogEntry, LogLevel } from '../host/host-api.types.js';
import type { WireError } from './sandbox-errors.js';
import type { ExecRequest, HostModuleRef, InspectOutcome, SandboxLimits } from './sandbox.types.js';

/** Messages between WorkerExecutor (main thread) and sandbox.worker.js; all structured-cloneable. */

export interface SandboxWorkerData {
  limits: SandboxLimits;
  host: HostApiSettings;
  hostModule: HostModuleRef;
  maxInstances: number;
  /** Levels of the host log entries to post back; null for all. */
  logLevels: LogLevel[] | null;
  /** Float64Array[1]: deadline in force while the worker is inside QuickJS, else 0. */
  watch: SharedArrayBuffer;
}

/**
 * `sentAt` (epoch ms) lets both sides agree on how long a request waited for the worker to start:
 * a request sent before the worker was ready gets `readyAt - sentAt` added to its deadline, on the
 * worker (for the script's budget) and on the main thread (for the watchdog) alike.
 */
export type ToWorker =
  /**
   * `request.script.source` is null when this worker was sent that sha256 before: a worker that no
   * longer has it answers 'need' and the call is sent again with the source.
   */
  | { t: 'call'; id: number; sentAt: number; request: WireExecRequest }
  | { t: 'inspect'; id: number; sentAt: number; source: string; label: string; deadline: number; timeoutMs: number; calls: string[] }
  | { t: 'evict'; key: string };

export type FromWorker =
  /** Sent once, when the worker's host API is built and QuickJS is compiled. */
  | { t: 'ready'; at: number }
  | { t: 'ok'; id: number; value: string | InspectOutcome }
  | { t: 'need'; id: number }
  | { t: 'err'; id: number; error: WireError }
  | { t: 'log'; entry: HostLogEntry };

export type WireExecRequest = Omit<ExecRequest, 'script'> & { script: Omit<ExecRequest['script'], 'source'> & { source: string | null } };
