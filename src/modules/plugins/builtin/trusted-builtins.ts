import { AppError } from '../../../common/errors/app-error.js';
import type { HostApi, HostCallContext, LogLevel } from '../host/host-api.types.js';
import { scriptError, timedOut } from '../sandbox/sandbox-errors.js';
import { builtinHost, type BuiltinHost } from './builtin-host.js';
import { webhookSend } from './webhook-send.js';

/** A plugin function written as host code: what the script's function returns, for the same arguments. */
export type BuiltinFunction = (config: unknown, params: unknown, host: BuiltinHost) => Promise<unknown>;

/**
 * Shipped scripts with a host-code twin, by "<plugin_type>/<plugin_id>" and the sha256 of the exact
 * script text the twin reproduces. A script edited by an admin (another hash) runs in the sandbox
 * like any other; so does every function without a twin. When the shipped script changes, its
 * twin and this hash change with it (trusted-builtins.spec.ts fails until they do).
 */
export const TRUSTED_BUILTINS: Readonly<Record<string, { sha256: string; functions: Readonly<Record<string, BuiltinFunction>> }>> = {
  'notifier/webhook': {
    sha256: '1d8360f55f11f13e6eb41b0096dce44413c9549716ef5ec7b554774efe808275',
    functions: { send: webhookSend },
  },
};

export interface BuiltinCall {
  label: string;
  fn: string;
  config: unknown;
  params: unknown;
  timeoutMs?: number;
  context: Omit<HostCallContext, 'plugin' | 'fn' | 'signal'>;
}

/**
 * Runs the trusted twins on the calling thread (PLUGIN_TRUSTED_BUILTINS, on by default), with a
 * HostApi of its own built from the same settings as the sandbox threads' and the same log sink.
 * The limits that matter for code we ship hold as in the sandbox: the call's deadline
 * (PLUGIN_TIMEOUT_MS, plugins.timeout while awaiting the host), and the call's signal aborted when
 * it fails, which stops its requests. Memory, stack and result-size limits guard against hostile
 * scripts and are not needed here.
 */
export class TrustedBuiltins {
  private calls = 0;

  private readonly logLevels: ReadonlySet<LogLevel> | null;

  constructor(
    private readonly host: HostApi & { close(): void },
    private readonly defaultTimeoutMs: number,
    /** The levels the log sink writes; lines of the others are not built (null: all). */
    logLevels: readonly LogLevel[] | null = null,
  ) {
    this.logLevels = logLevels === null ? null : new Set(logLevels);
  }

  /** The twin of `fn` for this exact script, or null (the sandbox runs it). */
  find(label: string, sha256: string, fn: string): BuiltinFunction | null {
    const builtin = TRUSTED_BUILTINS[label];
    return builtin && builtin.sha256 === sha256 ? (builtin.functions[fn] ?? null) : null;
  }

  /** Calls made through a twin so far (tests use it to tell which side ran). */
  get callCount(): number {
    return this.calls;
  }

  async call(run: BuiltinFunction, request: BuiltinCall): Promise<unknown> {
    this.calls++;
    const { label, fn } = request;
    const timeoutMs = request.timeoutMs ?? this.defaultTimeoutMs;
    const abort = new AbortController();
    const context: HostCallContext = { ...request.context, plugin: label, fn, signal: abort.signal };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut(label, fn, timeoutMs, 'awaiting_host')), timeoutMs);
    });
    try {
      return await Promise.race([run(request.config, request.params, builtinHost(this.host, context, this.logLevels)), deadline]);
    } catch (err) {
      // Only a call that failed (its deadline, a throw) can leave a request running: stop it. A
      // call that answered has nothing in flight (the twins await their requests), and aborting
      // every signal cost a DOMException and a listener dispatch per delivery.
      abort.abort();
      if (err instanceof AppError) throw err;
      // What the sandbox reports for a script that throws; a twin that throws is a bug in it.
      const failure = err as { name?: unknown; message?: unknown; code?: unknown } | null;
      throw scriptError(label, fn, {
        name: typeof failure?.name === 'string' ? failure.name : 'Error',
        message: typeof failure?.message === 'string' ? failure.message : String(err),
        code: typeof failure?.code === 'string' || typeof failure?.code === 'number' ? failure.code : null,
        line: null,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.host.close();
  }
}
