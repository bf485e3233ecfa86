import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle } from 'quickjs-emscripten-core';
import { CRYPTO_FUNCTIONS, HostApiError, type HostApi, type HostCallContext } from '../../host/host-api.types.js';

/**
 * The host-side half of the bridge between a HostApi and the script's globals (http, mail, crypto,
 * log, now, console); the script-side half is bridge-script.ts, the wire format bridge-protocol.ts.
 *
 * Only strings cross the boundary: the script side JSON-serialises arguments, the host answers with
 * a JSON envelope `{"v": value}` or `{"e": {code, message, data}}` that the script side turns back
 * into a value or a thrown Error carrying `.code`. No host object or function ever reaches the
 * script, so the script cannot reach Node through a prototype chain, and nothing it does to its
 * own prototypes affects host objects. Async host calls return a QuickJS promise (ctx.newPromise)
 * settled from Node; the owning instance then runs the pending jobs.
 */

/** What the bridge needs from the plugin instance that owns it. */
export interface BridgeOwner {
  /** The call the script is currently running for (log context, host call context). */
  hostContext(): HostCallContext;
  /** Token of the current call, handed back to `settled` so continuations run under its attribution. */
  currentCall(): unknown;
  /** True while top-level code runs: http and mail are refused then (scan-time loads must not do I/O). */
  loading(): boolean;
  /** True while the context may still be touched. */
  alive(): boolean;
  /** A host promise was settled into the VM: run pending jobs. */
  settled(call: unknown): void;
  /** A VM call failed on the host side (the module is unusable). */
  crashed(error: unknown): void;
}

export interface BridgeFunctions {
  sync: QuickJSHandle;
  async: QuickJSHandle;
}

const LOADING_REFUSED = (op: string): HostApiError =>
  new HostApiError('invalid_argument', `${op} is not available while the plugin script loads; call it from a function`);

export class HostBridge {
  private readonly pending = new Set<QuickJSDeferredPromise>();

  constructor(
    private readonly ctx: QuickJSContext,
    private readonly host: HostApi,
    private readonly owner: BridgeOwner,
    /** Checks that a string of this many UTF-8 bytes fits in the VM heap before it is copied in. */
    private readonly fits: (bytes: number) => boolean,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  static get cryptoNames(): readonly string[] {
    return CRYPTO_FUNCTIONS;
  }

  /** The raw host functions; the caller passes them to BRIDGE_SOURCE (bridge-script.ts) and disposes the handles. */
  createFunctions(): BridgeFunctions {
    const sync = this.ctx.newFunction('hostSync', (opHandle, argsHandle) => {
      const envelope = this.runSync(this.ctx.getString(opHandle), this.ctx.getString(argsHandle));
      return this.newString(envelope);
    });
    const async = this.ctx.newFunction('hostAsync', (opHandle, argsHandle) => {
      const op = this.ctx.getString(opHandle);
      const args = this.ctx.getString(argsHandle);
      const deferred = this.ctx.newPromise();
      this.pending.add(deferred);
      const call = this.owner.currentCall();
      this.runAsync(op, args).then(
        (envelope) => this.settle(deferred, envelope, call),
        () => this.settle(deferred, failure(new Error('unexpected')), call),
      );
      return deferred.handle;
    });
    return { sync, async };
  }

  /** Before disposing the context: unsettled host promises hold VM handles. */
  disposePending(): void {
    for (const deferred of this.pending) {
      try {
        deferred.dispose();
      } catch {
        // The module is being dropped anyway.
      }
    }
    this.pending.clear();
  }

  /** After a crash: forget the handles without touching the (unusable) VM. */
  abandonPending(): void {
    this.pending.clear();
  }

  private runSync(op: string, argsJson: string): string {
    try {
      const args = JSON.parse(argsJson) as unknown[];
      switch (op) {
        case 'crypto': {
          const [name, list] = args;
          if (typeof name !== 'string' || !Array.isArray(list)) throw new HostApiError('invalid_argument', 'bad crypto call');
          return success(this.host.crypto(name, list));
        }
        case 'log':
          this.host.log(args[0], args[1], args[2], this.owner.hostContext());
          return '{}';
        case 'now':
          return success(this.host.now());
        default:
          throw new HostApiError('invalid_argument', `unknown host function ${op}`);
      }
    } catch (error) {
      return failure(error);
    }
  }

  private async runAsync(op: string, argsJson: string): Promise<string> {
    try {
      if (this.owner.loading()) throw LOADING_REFUSED(op === 'http' ? 'http.request' : 'mail.send');
      const args = JSON.parse(argsJson) as unknown[];
      const context = this.owner.hostContext();
      switch (op) {
        case 'http':
          return success(await this.host.httpRequest(args[0], context));
        case 'mail':
          return success(await this.host.mailSend(args[0], context));
        default:
          throw new HostApiError('invalid_argument', `unknown host function ${op}`);
      }
    } catch (error) {
      return failure(error);
    }
  }

  private settle(deferred: QuickJSDeferredPromise, envelope: string, call: unknown): void {
    if (!this.pending.delete(deferred)) return;
    if (!this.owner.alive()) return;
    try {
      const handle = this.newString(envelope);
      deferred.resolve(handle);
      handle.dispose();
    } catch (error) {
      this.owner.crashed(error);
      return;
    }
    this.owner.settled(call);
  }

  /** ctx.newString writes through a null pointer when the heap is exhausted: check first. */
  private newString(text: string): QuickJSHandle {
    const envelope = this.fits(Buffer.byteLength(text) + 1) ? text : failure(new HostApiError('response_too_large', 'the value does not fit in the plugin memory'));
    return this.ctx.newString(envelope);
  }
}

function success(value: unknown): string {
  const json = JSON.stringify({ v: value });
  return json === undefined ? '{}' : json;
}

function failure(error: unknown): string {
  if (isHostApiError(error)) {
    let data: unknown;
    try {
      data = JSON.parse(JSON.stringify(error.data ?? {})) as unknown;
    } catch {
      data = {};
    }
    return JSON.stringify({ e: { code: error.code, message: String(error.message), data } });
  }
  // A host bug: the script learns only that the call failed, never a host stack or message.
  return JSON.stringify({ e: { code: 'host_error', message: 'host call failed', data: {} } });
}

/** Duck-typed as well: a host module loaded in a worker may carry its own copy of the class. */
function isHostApiError(error: unknown): error is HostApiError {
  if (error instanceof HostApiError) return true;
  const candidate = error as { name?: unknown; code?: unknown } | null;
  return typeof candidate === 'object' && candidate !== null && candidate.name === 'HostApiError' && typeof candidate.code === 'string';
}
