import type { BridgeStatus } from './bridge-protocol.js';

/** The two raw host functions the bridge is given: (operation, JSON arguments) → JSON envelope. */
type HostSync = (op: string, argsJson: string) => string;
type HostAsync = (op: string, argsJson: string) => Promise<string>;
type PluginFunction = (config: unknown, params: unknown) => unknown;
type Envelope = { v?: unknown; e?: { code?: unknown; message?: unknown; data?: unknown } };

/** What the bridge hands back to the host: [invoke, functions, describe]. */
export type BridgeHandles = [invoke: (name: string, argsJson: string) => string | Promise<string>, functions: () => string, describe: (error: unknown) => string];

/**
 * The script-side half of the host bridge. It is never called in Node: its source text
 * (BRIDGE_SOURCE below) is evaluated in each QuickJS context before the plugin script, and called
 * there with the raw host functions. It is TypeScript so that it is type-checked and linted like
 * the rest, with two rules of its own:
 * - it closes over nothing from this module (its text is all that reaches QuickJS: imports, module
 *   constants and helpers outside the function do not exist there) — `status` carries the wire
 *   letters in;
 * - it captures the intrinsics it uses first, so a script that replaces JSON, Promise or
 *   Object.prototype members cannot change how results are encoded.
 *
 * It defines the script's globals (http, mail, crypto, log, now, console; see docs/plugins.md),
 * and returns [invoke, functions, describe], which stay reachable only from the host.
 * Only strings cross the boundary: arguments are JSON-serialised here, the host answers with an
 * envelope `{"v": value}` or `{"e": {code, message, data}}` that becomes a value or a thrown Error
 * carrying `.code`.
 */
export function bridgeScript(
  hostSync: HostSync,
  hostAsync: HostAsync,
  fileName: string,
  maxChars: number,
  cryptoNames: readonly string[],
  status: BridgeStatus,
): BridgeHandles {
  'use strict';
  const g = globalThis as unknown as Record<string, unknown>;
  const O = Object;
  const P = Promise;
  const ErrorCtor = Error;
  const StringCtor = String;
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const apply = Reflect.apply;
  const getOwnPropertyNames = O.getOwnPropertyNames;
  const getOwnPropertyDescriptor = O.getOwnPropertyDescriptor;
  const defineProperty = O.defineProperty;
  const freeze = O.freeze;
  const keys = O.keys;
  const create = O.create;
  /* eslint-disable @typescript-eslint/unbound-method -- captured to be called through Reflect.apply with an explicit receiver */
  const promiseThen = P.prototype.then;
  const promiseResolve = P.resolve;
  const promiseReject = P.reject;
  const indexOf = StringCtor.prototype.indexOf;
  const slice = StringCtor.prototype.slice;
  const charCodeAt = StringCtor.prototype.charCodeAt;
  const join = Array.prototype.join;
  /* eslint-enable @typescript-eslint/unbound-method */
  // QuickJS's own error class for limits (out of memory, stack overflow, interrupted).
  const internalError = g.InternalError;
  const InternalErrorCtor = typeof internalError === 'function' ? (internalError as new () => Error) : null;

  const then = <T>(p: Promise<T>, ok: (value: T) => unknown, ko?: (error: unknown) => unknown): Promise<unknown> =>
    apply(promiseThen, p, [ok, ko]) as Promise<unknown>;
  const cut = (s: string, n: number): string => (s.length > n ? `${apply(slice, s, [0, n])}…` : s);

  function messageOf(e: unknown): string {
    try {
      if (e !== null && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return cut((e as { message: string }).message, 2000);
      return cut(StringCtor(e), 2000);
    } catch {
      return 'unprintable value';
    }
  }

  // Limit errors (and the uncatchable interrupt) go back to the host raw: it classifies them.
  function isLimit(e: unknown): boolean {
    if (InternalErrorCtor === null || !(e instanceof InternalErrorCtor)) return false;
    const m = e.message;
    return m === 'out of memory' || m === 'stack overflow' || m === 'interrupted';
  }

  function hostError(e: { code?: unknown; message?: unknown; data?: unknown }): Error {
    const err = new ErrorCtor(typeof e.message === 'string' ? e.message : 'host call failed');
    defineProperty(err, 'name', { value: 'HostApiError', writable: true, configurable: true });
    defineProperty(err, 'code', { value: e.code, writable: true, enumerable: true, configurable: true });
    const data = e.data;
    if (data !== null && typeof data === 'object') {
      const list = keys(data);
      for (let i = 0; i < list.length; i++) {
        const k = list[i];
        if (k === 'name' || k === 'message' || k === 'code' || k === 'stack') continue;
        defineProperty(err, k, { value: (data as Record<string, unknown>)[k], writable: true, enumerable: true, configurable: true });
      }
    }
    return err;
  }

  function encode(args: unknown[]): string {
    let json: string;
    try {
      json = stringify(args);
    } catch (e) {
      if (isLimit(e)) throw e;
      throw hostError({ code: 'invalid_argument', message: `arguments are not JSON-serialisable: ${messageOf(e)}` });
    }
    return json;
  }

  function unwrap(envelope: string): unknown {
    const r = parse(envelope) as Envelope;
    if (r.e !== undefined) throw hostError(r.e);
    return r.v;
  }

  const callSync = (op: string, args: unknown[]): unknown => unwrap(hostSync(op, encode(args)));
  function callAsync(op: string, args: unknown[]): Promise<unknown> {
    let json: string;
    try {
      json = encode(args);
    } catch (e) {
      return apply(promiseReject, P, [e]);
    }
    return then(hostAsync(op, json), unwrap);
  }

  function format(v: unknown): string {
    if (typeof v === 'string') return v;
    try {
      const s = stringify(v) as string | undefined;
      if (s !== undefined) return s;
    } catch {
      // Fall through to String().
    }
    try {
      return StringCtor(v);
    } catch {
      return '[unprintable]';
    }
  }

  const define = (name: string, value: unknown): void => {
    defineProperty(g, name, { value, writable: true, enumerable: false, configurable: true });
  };

  define('http', freeze({ request: function request(req: unknown) { return callAsync('http', [req]); } }));
  define('mail', freeze({ send: function send(message: unknown) { return callAsync('mail', [message]); } }));
  const crypto: Record<string, (...args: unknown[]) => unknown> = {};
  for (let i = 0; i < cryptoNames.length; i++) {
    const name = cryptoNames[i];
    crypto[name] = { [name]: function (...args: unknown[]) { return callSync('crypto', [name, args]); } }[name]!;
  }
  define('crypto', freeze(crypto));
  const log: Record<string, (message: unknown, fields?: unknown) => void> = {};
  const levels = ['debug', 'info', 'warn', 'error'];
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    log[level] = { [level]: function (message: unknown, fields?: unknown) { callSync('log', [level, message, fields]); } }[level]!;
  }
  define('log', freeze(log));
  define('now', function now() { return callSync('now', []); });
  const consoleLevel = (level: string) =>
    function (...args: unknown[]): void {
      try {
        const parts: string[] = [];
        for (let i = 0; i < args.length; i++) parts[i] = format(args[i]);
        callSync('log', [level, apply(join, parts, [' '])]);
      } catch (e) {
        if (isLimit(e)) throw e;
      }
    };
  define('console', freeze({ log: consoleLevel('info'), info: consoleLevel('info'), debug: consoleLevel('debug'), warn: consoleLevel('warn'), error: consoleLevel('error') }));

  // Everything defined so far (intrinsics and the host globals) is not a plugin function.
  const baseline = create(null) as Record<string, unknown>;
  const names0 = getOwnPropertyNames(g);
  for (let i = 0; i < names0.length; i++) {
    const d = getOwnPropertyDescriptor(g, names0[i]);
    baseline[names0[i]] = d === undefined ? undefined : d.value;
  }

  function ownFunction(name: string): PluginFunction | undefined {
    const d = getOwnPropertyDescriptor(g, name);
    if (d === undefined || typeof d.value !== 'function') return undefined;
    if (name in baseline && baseline[name] === d.value) return undefined;
    return d.value as PluginFunction;
  }

  function functions(): string {
    const out: string[] = [];
    const names = getOwnPropertyNames(g);
    for (let i = 0; i < names.length; i++) if (ownFunction(names[i]) !== undefined) out[out.length] = names[i]!;
    return stringify(out);
  }

  function lineOf(stack: string): number | null {
    const tag = `${fileName}:`;
    const at = apply(indexOf, stack, [tag]);
    if (at < 0) return null;
    let n = 0;
    let j = at + tag.length;
    let digits = 0;
    for (; j < stack.length && digits < 9; j++, digits++) {
      const c = apply(charCodeAt, stack, [j]) - 48;
      if (c < 0 || c > 9) break;
      n = n * 10 + c;
    }
    return digits === 0 ? null : n;
  }

  function describe(e: unknown): string {
    let name = 'Error';
    let message: string;
    let code: string | number | null = null;
    let line: number | null = null;
    try {
      if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
        const { name: n, message: m, code: c, stack: st } = e as { name?: unknown; message?: unknown; code?: unknown; stack?: unknown };
        if (typeof n === 'string') name = cut(n, 100);
        if (typeof m === 'string') message = cut(m, 2000);
        else {
          const s = stringify(e) as string | undefined;
          message = cut(s === undefined ? StringCtor(e) : s, 2000);
        }
        if (typeof c === 'string' || typeof c === 'number') code = c;
        if (typeof st === 'string') line = lineOf(st);
      } else {
        message = cut(StringCtor(e), 2000);
      }
    } catch {
      message = 'unprintable exception';
    }
    return stringify({ name, message, code, line });
  }

  function fail(e: unknown): string {
    if (isLimit(e)) throw e;
    return status.error + describe(e);
  }

  function serialize(v: unknown): string {
    if (v === undefined) return `${status.result}null`;
    const t = typeof v;
    if (t === 'function' || t === 'symbol') return `${status.invalid}a ${t} has no JSON form`;
    // A huge string is too large whatever its JSON form: do not build a second copy to find out.
    if (typeof v === 'string' && v.length > maxChars) return status.tooLarge + StringCtor(v.length + 2);
    let s: string | undefined;
    try {
      s = stringify(v);
    } catch (e) {
      if (isLimit(e)) throw e;
      return status.invalid + messageOf(e);
    }
    if (typeof s !== 'string') return `${status.invalid}the value has no JSON form`;
    if (s.length > maxChars) return status.tooLarge + StringCtor(s.length);
    return status.result + s;
  }

  function invoke(name: string, argsJson: string): string | Promise<string> {
    const fn = ownFunction(name);
    if (fn === undefined) return status.missing;
    let r: unknown;
    try {
      const a = parse(argsJson) as [unknown, unknown];
      r = fn(a[0], a[1]);
      if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') {
        return then(apply<PromiseConstructor, [unknown], Promise<unknown>>(promiseResolve, P, [r]), serialize, fail) as Promise<string>;
      }
    } catch (e) {
      return fail(e);
    }
    return serialize(r);
  }

  return [invoke, functions, describe];
}

/** The text evaluated in QuickJS: the compiled function above, as an expression. */
export const BRIDGE_SOURCE = `(${bridgeScript.toString()})`;
