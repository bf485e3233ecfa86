import type { CallOrigin } from '../../../common/logging/request-context.js';
import type { HostApiSettings, HostLogSink, LogLevel } from '../host/host-api.types.js';
import type { WireError } from './sandbox-errors.js';

/** Per-call resource limits; defaults come from config (PLUGIN_TIMEOUT_MS, PLUGIN_MEMORY_MB ...). */
export interface SandboxLimits {
  /** Wall-clock budget of one call, including time spent awaiting host promises. */
  timeoutMs: number;
  /** Heap of one loaded plugin instance (enforced as the cap of its own WebAssembly memory). */
  memoryBytes: number;
  /** QuickJS stack; values above 256 KB are clamped (deeper recursion overflows the host stack). */
  stackBytes: number;
  /** Largest accepted result, as serialised JSON. */
  maxResultBytes: number;
}

/** One plugin script as the caller knows it. */
export interface PluginScript {
  /** Cache key: an interface id, or "plugin:<type>/<id>" for scan-level calls. */
  key: string;
  /** For messages and log context, e.g. "notifier/webhook". */
  label: string;
  source: string;
  /** sha256 of `source`: a changed hash reloads the instance and resets its tier history. */
  sha256: string;
}

export interface SandboxCallContext {
  interfaceId: string | null;
  traceId: string | null;
  /** See HostCallContext.origin. */
  origin?: CallOrigin | null;
  /** See HostCallContext.personalTarget. */
  personalTarget?: string | null;
}

export interface SandboxCallRequest {
  script: PluginScript;
  fn: string;
  config: unknown;
  params: unknown;
  /** Overrides limits.timeoutMs for this call. */
  timeoutMs?: number;
  context: SandboxCallContext;
  /**
   * Leave the cache as it is: the call runs in the key's loaded instance if there is one, else in
   * an instance loaded for this call alone and disposed after it (its module is recycled). For
   * callers that touch every interface once in a while (the health sweep): with more interfaces
   * than the cache holds, loading each into it evicts the instances that serve the steady traffic
   * and each is evicted again before the next sweep comes back to it; with fewer, it fills the
   * cache (and memory) with instances nothing else uses, at a cost (a new module per instance,
   * dearer the more are alive) that a sweep of cold loads on recycled modules does not pay.
   */
  transient?: boolean;
}

/** An ES module exporting a class constructed as `new Export(settings, sink)` that implements HostApi. */
export interface HostModuleRef {
  url: string;
  exportName: string;
}

export interface SandboxPoolOptions {
  limits: SandboxLimits;
  host: HostApiSettings;
  /** Receives the plugin log entries of both tiers (worker entries are posted back to this thread). */
  logSink: HostLogSink;
  /**
   * The levels logSink wants (default: all). Entries at other levels are dropped on the worker,
   * before they cost a message to this thread (the host's debug line for every http request).
   */
  logLevels?: readonly LogLevel[];
  /** Worker threads for calls, and as many again for inspections (started on first use); default 2. */
  workers?: number;
  /** How long past a call's deadline a silent worker is given before it is terminated; default 1000. */
  graceMs?: number;
  /** Host implementation loaded by each worker; default DefaultHostApi from ../host/host-api.js. */
  hostModule?: HostModuleRef;
  /** Host of the inspection workers; default hostModule. Production passes one that does no I/O. */
  inspectionHostModule?: HostModuleRef;
  /** Loaded instances kept per thread (least recently used are disposed first); default 256. */
  maxInstances?: number;
  /** Epoch ms, the clock of deadlines on this thread (workers use the system clock); default Date.now. */
  now?: () => number;
}

/**
 * A call as an executor sees it: arguments already JSON, an absolute deadline (epoch ms, the same
 * clock on every thread), the result returned as JSON text. Structured-cloneable.
 */
export interface ExecRequest {
  script: PluginScript;
  fn: string;
  argsJson: string;
  deadline: number;
  timeoutMs: number;
  context: SandboxCallContext;
  /** See SandboxCallRequest.transient. */
  transient?: boolean;
}

/** What inspecting a script found: its functions, and the JSON result or error of each probe call. */
export interface InspectOutcome {
  functions: string[];
  results: Record<string, { json: string } | { error: WireError }>;
}
