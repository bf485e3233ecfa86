import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle } from 'quickjs-emscripten-core';
import { CRYPTO_FUNCTIONS, HostApiError, type HostApi, type HostCallContext } from '../host/host-api.types.js';

/**
 * The one place where a HostApi becomes the script's globals (http, mail, crypto, log, now,
 * console); both tiers use it, the worker with its own HostApi.
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

/**
 * Script-side half: evaluated once per context before the plugin source, called with the two raw
 * host functions. Returns [invoke, functions, describe] (see plugin-instance.ts), which stay
 * reachable only from the host. Intrinsics are captured first, so a script replacing JSON or
 * Promise cannot change how results are encoded.
 */
export const BRIDGE_SOURCE = `(function (hostSync, hostAsync, fileName, maxChars, cryptoNames) {
  'use strict';
  const g = globalThis;
  const O = Object, P = Promise, ErrorCtor = Error, StringCtor = String;
  const parse = JSON.parse, stringify = JSON.stringify, apply = Reflect.apply;
  const getOwnPropertyNames = O.getOwnPropertyNames, getOwnPropertyDescriptor = O.getOwnPropertyDescriptor;
  const defineProperty = O.defineProperty, freeze = O.freeze, keys = O.keys, create = O.create;
  const promiseThen = P.prototype.then, promiseResolve = P.resolve, promiseReject = P.reject;
  const indexOf = StringCtor.prototype.indexOf, slice = StringCtor.prototype.slice, charCodeAt = StringCtor.prototype.charCodeAt;
  const join = Array.prototype.join;
  const InternalErrorCtor = typeof InternalError === 'function' ? InternalError : null;

  const then = (p, ok, ko) => apply(promiseThen, p, [ok, ko]);
  const cut = (s, n) => (s.length > n ? apply(slice, s, [0, n]) + '…' : s);

  function messageOf(e) {
    try {
      if (e !== null && typeof e === 'object' && typeof e.message === 'string') return cut(e.message, 2000);
      return cut(StringCtor(e), 2000);
    } catch (_) {
      return 'unprintable value';
    }
  }

  // Limit errors (and the uncatchable interrupt) go back to the host raw: it classifies them.
  function isLimit(e) {
    if (InternalErrorCtor === null || !(e instanceof InternalErrorCtor)) return false;
    const m = e.message;
    return m === 'out of memory' || m === 'stack overflow' || m === 'interrupted';
  }

  function hostError(e) {
    const err = new ErrorCtor(typeof e.message === 'string' ? e.message : 'host call failed');
    defineProperty(err, 'name', { value: 'HostApiError', writable: true, configurable: true });
    defineProperty(err, 'code', { value: e.code, writable: true, enumerable: true, configurable: true });
    const data = e.data;
    if (data !== null && typeof data === 'object') {
      const list = keys(data);
      for (let i = 0; i < list.length; i++) {
        const k = list[i];
        if (k === 'name' || k === 'message' || k === 'code' || k === 'stack') continue;
        defineProperty(err, k, { value: data[k], writable: true, enumerable: true, configurable: true });
      }
    }
    return err;
  }

  function encode(args) {
    let json;
    try {
      json = stringify(args);
    } catch (e) {
      if (isLimit(e)) throw e;
      throw hostError({ code: 'invalid_argument', message: 'arguments are not JSON-serialisable: ' + messageOf(e) });
    }
    return json;
  }

  function unwrap(envelope) {
    const r = parse(envelope);
    if (r.e !== undefined) throw hostError(r.e);
    return r.v;
  }

  const callSync = (op, args) => unwrap(hostSync(op, encode(args)));
  function callAsync(op, args) {
    let json;
    try {
      json = encode(args);
    } catch (e) {
      return apply(promiseReject, P, [e]);
    }
    return then(hostAsync(op, json), unwrap);
  }

  function format(v) {
    if (typeof v === 'string') return v;
    try {
      const s = stringify(v);
      if (s !== undefined) return s;
    } catch (_) {}
    try {
      return StringCtor(v);
    } catch (_) {
      return '[unprintable]';
    }
  }

  const define = (name, value) => defineProperty(g, name, { value, writable: true, enumerable: false, configurable: true });

  define('http', freeze({ request: function request(req) { return callAsync('http', [req]); } }));
  define('mail', freeze({ send: function send(message) { return callAsync('mail', [message]); } }));
  const crypto = {};
  for (let i = 0; i < cryptoNames.length; i++) {
    const name = cryptoNames[i];
    crypto[name] = { [name]: function (...args) { return callSync('crypto', [name, args]); } }[name];
  }
  define('crypto', freeze(crypto));
  const log = {};
  const levels = ['debug', 'info', 'warn', 'error'];
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    log[level] = { [level]: function (message, fields) { callSync('log', [level, message, fields]); } }[level];
  }
  define('log', freeze(log));
  define('now', function now() { return callSync('now', []); });
  const consoleLevel = (level) => function (...args) {
    try {
      const parts = [];
      for (let i = 0; i < args.length; i++) parts[i] = format(args[i]);
      callSync('log', [level, apply(join, parts, [' '])]);
    } catch (e) {
      if (isLimit(e)) throw e;
    }
  };
  define('console', freeze({ log: consoleLevel('info'), info: consoleLevel('info'), debug: consoleLevel('debug'), warn: consoleLevel('warn'), error: consoleLevel('error') }));

  // Everything defined so far (intrinsics and the host globals) is not a plugin function.
  const baseline = create(null);
  const names0 = getOwnPropertyNames(g);
  for (let i = 0; i < names0.length; i++) {
    const d = getOwnPropertyDescriptor(g, names0[i]);
    baseline[names0[i]] = d === undefined ? undefined : d.value;
  }

  function ownFunction(name) {
    const d = getOwnPropertyDescriptor(g, name);
    if (d === undefined || typeof d.value !== 'function') return undefined;
    if (name in baseline && baseline[name] === d.value) return undefined;
    return d.value;
  }

  function functions() {
    const out = [];
    const names = getOwnPropertyNames(g);
    for (let i = 0; i < names.length; i++) if (ownFunction(names[i]) !== undefined) out[out.length] = names[i];
    return stringify(out);
  }

  function lineOf(stack) {
    const tag = fileName + ':';
    const at = apply(indexOf, stack, [tag]);
    if (at < 0) return null;
    let n = 0, j = at + tag.length, digits = 0;
    for (; j < stack.length && digits < 9; j++, digits++) {
      const c = apply(charCodeAt, stack, [j]) - 48;
      if (c < 0 || c > 9) break;
      n = n * 10 + c;
    }
    return digits === 0 ? null : n;
  }

  function describe(e) {
    let name = 'Error', message = '', code = null, line = null;
    try {
      if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
        const n = e.name, m = e.message, c = e.code, st = e.stack;
        if (typeof n === 'string') name = cut(n, 100);
        if (typeof m === 'string') message = cut(m, 2000);
        else {
          const s = stringify(e);
          message = cut(s === undefined ? StringCtor(e) : s, 2000);
        }
        if (typeof c === 'string' || typeof c === 'number') code = c;
        if (typeof st === 'string') line = lineOf(st);
      } else {
        message = cut(StringCtor(e), 2000);
      }
    } catch (_) {
      message = 'unprintable exception';
    }
    return stringify({ name, message, code, line });
  }

  function fail(e) {
    if (isLimit(e)) throw e;
    return 'E' + describe(e);
  }

  // Status-prefixed results: R<json> | E<failure json> | I<why not JSON> | T<chars> | F (no such function).
  function serialize(v) {
    if (v === undefined) return 'Rnull';
    const t = typeof v;
    if (t === 'function' || t === 'symbol') return 'Ia ' + t + ' has no JSON form';
    // A huge string is too large whatever its JSON form: do not build a second copy to find out.
    if (t === 'string' && v.length > maxChars) return 'T' + (v.length + 2);
    let s;
    try {
      s = stringify(v);
    } catch (e) {
      if (isLimit(e)) throw e;
      return 'I' + messageOf(e);
    }
    if (typeof s !== 'string') return 'Ithe value has no JSON form';
    if (s.length > maxChars) return 'T' + s.length;
    return 'R' + s;
  }

  function invoke(name, argsJson) {
    const fn = ownFunction(name);
    if (fn === undefined) return 'F';
    let r;
    try {
      const a = parse(argsJson);
      r = fn(a[0], a[1]);
      if (r !== null && typeof r === 'object' && typeof r.then === 'function') {
        return then(apply(promiseResolve, P, [r]), serialize, fail);
      }
    } catch (e) {
      return fail(e);
    }
    return serialize(r);
  }

  return [invoke, functions, describe];
})`;

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

  /** The raw host functions; the caller passes them to BRIDGE_SOURCE and disposes the handles. */
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
