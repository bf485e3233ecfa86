import { ServerInterceptingCall, status as grpcStatus, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { currentContext } from '../logging/request-context.js';
import type { CallMetrics } from '../metrics/call-metrics.js';

/**
 * The access line of a gRPC call ("call completed", one per call that ends OK) and its count in the
 * call metrics, written by grpc-js as the status goes out, for the services Nest routes (reflection and health are not calls of
 * ours, as before). Failures are logged once by AllExceptionsFilter, with their code, as on the
 * other transports. On HTTP and GraphQL, CallLoggingInterceptor writes the same line: the gRPC
 * transport skips Nest's interceptor layer, which cost every call several observables and
 * async-scope bindings (see docs/performance.md).
 */
export function grpcAccessLog(logger: Logger, calls: CallMetrics, services: readonly string[]): ServerInterceptor {
  const prefixes = services.map((s) => `/${s}/`);
  return (method, call) => {
    if (!prefixes.some((p) => method.path.startsWith(p))) return new ServerInterceptingCall(call);
    return new ServerInterceptingCall(call, {
      sendStatus(status, next) {
        if (status.code === grpcStatus.OK) {
          const store = currentContext();
          logger.info({ duration_ms: store ? Date.now() - store.startedAt : undefined, caller: store?.caller?.sub }, 'call completed');
          if (store) calls.completedGrpc(store);
        }
        next(status);
      },
    });
  };
}
