/**
 * The wire format between the script-side bridge (bridge-script.ts, inside QuickJS) and the host
 * (PluginInstance): every call of a plugin function answers one string, a one-letter status and
 * its payload. Defined once here; the bridge receives STATUS as an argument, so both sides use the
 * same letters.
 */
export const STATUS = Object.freeze({
  /** R<json>: the function's result, serialised. */
  result: 'R',
  /** E<failure json>: the function threw (ScriptFailure as JSON). */
  error: 'E',
  /** I<why>: the result has no JSON form (a function, a cycle, a BigInt …). */
  invalid: 'I',
  /** T<chars>: the serialised result would be longer than allowed. */
  tooLarge: 'T',
  /** F: no such function. */
  missing: 'F',
});

export type BridgeStatus = typeof STATUS;

/** What the script threw, as the bridge describes it. */
export interface ScriptFailure {
  name: string;
  message: string;
  code: string | number | null;
  line: number | null;
}

export type BridgeReply =
  | { kind: 'result'; json: string }
  | { kind: 'error'; failure: ScriptFailure }
  | { kind: 'invalid'; why: string }
  | { kind: 'tooLarge'; chars: number }
  | { kind: 'missing' }
  /** Not a status at all: reading it back failed (the heap was exhausted while copying it out). */
  | { kind: 'unreadable' };

export function parseReply(text: string): BridgeReply {
  const payload = text.slice(1);
  switch (text.charAt(0)) {
    case STATUS.result:
      return { kind: 'result', json: payload };
    case STATUS.error:
      return { kind: 'error', failure: parseFailure(payload) };
    case STATUS.invalid:
      return { kind: 'invalid', why: payload };
    case STATUS.tooLarge:
      return { kind: 'tooLarge', chars: Number(payload) };
    case STATUS.missing:
      return { kind: 'missing' };
    default:
      return { kind: 'unreadable' };
  }
}

export function parseFailure(json: string): ScriptFailure {
  try {
    const value = JSON.parse(json) as Partial<ScriptFailure>;
    return {
      name: typeof value.name === 'string' ? value.name : 'Error',
      message: typeof value.message === 'string' ? value.message : '',
      code: typeof value.code === 'string' || typeof value.code === 'number' ? value.code : null,
      line: typeof value.line === 'number' ? value.line : null,
    };
  } catch {
    return { name: 'Error', message: 'unreadable exception', code: null, line: null };
  }
}
