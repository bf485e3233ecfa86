import type { OutgoingHttpHeaders } from 'node:http';

/** What a browser may send: the gRPC-Web client's own headers, the bearer token, and our metadata. */
export const CORS_ALLOWED_HEADERS = [
  'content-type',
  'x-grpc-web',
  'x-user-agent',
  'authorization',
  'grpc-timeout',
  'grpc-encoding',
  'grpc-accept-encoding',
  'x-trace-id',
  'x-request-id',
  'idempotency-key',
] as const;

/** What a browser script may read: the status (trailers-only errors carry it in the headers) and ours. */
export const CORS_EXPOSED_HEADERS = ['grpc-status', 'grpc-message', 'grpc-status-details-bin', 'error-code', 'trace-id', 'error-details-bin', 'x-trace-id'] as const;

const ALLOW_HEADERS = CORS_ALLOWED_HEADERS.join(', ');
const EXPOSE_HEADERS = CORS_EXPOSED_HEADERS.join(', ');
const ALLOW_METHODS = 'POST, GET, HEAD, OPTIONS';
/** How long a browser may cache a preflight (Chromium caps it at 2 hours). */
const MAX_AGE_SECONDS = '7200';

/**
 * CORS for the gRPC port (gRPC-Web and GET /health), from CORS_ORIGINS: exact origins, or `*`.
 * No credentials mode: the token travels in `authorization`, never in a cookie, so `*` is safe to
 * answer literally. An origin not on the list gets no CORS headers at all, and its browser keeps
 * the answer from the page.
 */
export class CorsPolicy {
  private readonly any: boolean;
  private readonly origins: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.any = origins.includes('*');
    this.origins = new Set(origins.map((o) => o.toLowerCase()));
  }

  /** The headers every response to this origin carries (empty when it is not allowed). */
  responseHeaders(origin: string | undefined): OutgoingHttpHeaders {
    const allowed = this.allowedOrigin(origin);
    if (allowed === null) return {};
    return { 'access-control-allow-origin': allowed, 'access-control-expose-headers': EXPOSE_HEADERS, ...(allowed === '*' ? {} : { vary: 'Origin' }) };
  }

  /** The answer to a preflight: 204 with the allowed methods and headers, or 204 bare for a stranger. */
  preflightHeaders(origin: string | undefined): OutgoingHttpHeaders {
    const allowed = this.allowedOrigin(origin);
    if (allowed === null) return { vary: 'Origin' };
    return {
      'access-control-allow-origin': allowed,
      'access-control-allow-methods': ALLOW_METHODS,
      'access-control-allow-headers': ALLOW_HEADERS,
      'access-control-max-age': MAX_AGE_SECONDS,
      vary: 'Origin, Access-Control-Request-Headers',
    };
  }

  private allowedOrigin(origin: string | undefined): string | null {
    if (origin === undefined) return null;
    if (this.any) return '*';
    return this.origins.has(origin.toLowerCase()) ? origin : null;
  }
}
