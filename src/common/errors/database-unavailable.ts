/**
 * Whether an error means that the database cannot be reached right now (stopped, restarting,
 * crashed, failing over, out of connection slots) rather than that the call or the code is
 * wrong. normalizeError answers such an error with `common.unavailable` (REST 503 with
 * Retry-After, gRPC UNAVAILABLE) instead of `common.internal`, and the filter logs it as a
 * warning without a stack.
 *
 * Pure: it reads the error's shape as node-postgres and TypeORM throw it, and imports neither.
 * - A socket error of the connection: ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, EHOSTUNREACH,
 *   ENETUNREACH, EAI_AGAIN (each carries the failed `syscall`), and ENOENT from connect() (the
 *   server's unix socket is gone).
 * - node-postgres' own errors for a connection that ended or never opened: `Connection
 *   terminated…` (unexpectedly, due to connection timeout), `timeout expired` (Client),
 *   `timeout exceeded when trying to connect` (older pg-pool), and a client that is no longer
 *   queryable after a connection error.
 * - A server error whose SQLSTATE says so: class 08 (connection exception) but 08P01 (a protocol
 *   violation is a bug, and retrying it does not help), 57P01 admin_shutdown, 57P02
 *   crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections.
 * It also looks inside TypeORM's QueryFailedError (`driverError`) and an AggregateError
 * (`errors`, one per address tried). It does not follow `cause`: fetch() and other clients put
 * their own socket errors there, and the outage of another service is not the database's.
 */
export function databaseUnavailableReason(err: unknown): string | null {
  return reasonOf(err, 0);
}

export function isDatabaseUnavailable(err: unknown): boolean {
  return databaseUnavailableReason(err) !== null;
}

/** Socket errors of a connection that is gone or cannot be opened (ENOENT is connect()'s only). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** SQLSTATEs outside class 08 that mean "not now" (class 08 is taken whole, but 08P01). */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** node-postgres' messages (exact, or the prefix) for a connection that ended or never opened. */
const PG_MESSAGES: [RegExp, string][] = [
  [/^Connection terminated\b/, 'connection terminated'],
  [/^timeout expired$/, 'connect timeout'],
  [/^timeout exceeded when trying to connect$/, 'connect timeout'],
  [/^Client has encountered a connection error and is not queryable$/, 'connection broken'],
];

/** How deep it looks inside wrappers: TypeORM's around pg's, an AggregateError's members. */
const MAX_DEPTH = 3;

function reasonOf(err: unknown, depth: number): string | null {
  if (typeof err !== 'object' || err === null || depth > MAX_DEPTH) return null;
  const e = err as { code?: unknown; syscall?: unknown; message?: unknown; driverError?: unknown; errors?: unknown };

  if (typeof e.code === 'string') {
    const code = e.code;
    if (typeof e.syscall === 'string' && (SOCKET_CODES.has(code) || (code === 'ENOENT' && e.syscall === 'connect'))) return code;
    if (/^[0-9A-Z]{5}$/.test(code) && ((code.startsWith('08') && code !== '08P01') || UNAVAILABLE_SQLSTATES.has(code))) return `SQLSTATE ${code}`;
  }
  if (typeof e.message === 'string') {
    for (const [pattern, reason] of PG_MESSAGES) if (pattern.test(e.message)) return reason;
  }
  if (e.driverError !== undefined && e.driverError !== err) {
    const inner = reasonOf(e.driverError, depth + 1);
    if (inner) return inner;
  }
  if (Array.isArray(e.errors)) {
    for (const member of e.errors) {
      const inner = reasonOf(member, depth + 1);
      if (inner) return inner;
    }
  }
  return null;
}
