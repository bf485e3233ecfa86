import type { HostApi, HostCallContext, HostHttpRequest, HostHttpResponse, LogLevel } from '../host/host-api.types.js';

/**
 * What a built-in's host code may use: the globals a script sees (`http.request`, `crypto`, `log`,
 * `now`), bound to one call's context, so a request goes through the same HostApi as a script's
 * (the address guard with pinned addresses, PLUGIN_HTTP_ALLOW / PERSONAL_TARGET_ALLOW, the
 * deadline, the response cap, the log budget) and ends with the call.
 */
export interface BuiltinHost {
  now(): number;
  httpRequest(request: HostHttpRequest): Promise<HostHttpResponse>;
  /** crypto.hmacSha256(key, data, 'base64', 'base64'): a base64 key taken as bytes, a base64 digest. */
  hmacSha256Base64(keyBase64: string, data: string): string;
  log(level: LogLevel, message: string, fields: Record<string, unknown>): void;
}

/**
 * `levels`: the log levels the sink writes (null: all). A line of another level is not even built,
 * as a sandbox thread drops it before posting it.
 */
export function builtinHost(api: HostApi, context: HostCallContext, levels: ReadonlySet<LogLevel> | null = null): BuiltinHost {
  return {
    now: () => api.now(),
    httpRequest: (request) => api.httpRequest(request, context),
    hmacSha256Base64: (key, data) => api.crypto('hmacSha256', [key, data, 'base64', 'base64']) as string,
    log: (level, message, fields) => {
      if (levels === null || levels.has(level)) api.log(level, message, fields, context);
    },
  };
}
