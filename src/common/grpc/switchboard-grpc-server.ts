import { join } from 'node:path';
import type { Server } from '@grpc/grpc-js';
import type { GrpcOptions } from '@nestjs/microservices';
import type { Logger } from 'pino';
import { HealthImplementation } from 'grpc-health-check';
import type { AppConfig } from '../../config/app-config.js';
import { PROTO_DESCRIPTOR_SET, PROTO_DIR } from '../../config/paths.js';
import { acceptOrCreateTraceId, runWithContext } from '../logging/request-context.js';
import type { CallMetrics } from '../metrics/call-metrics.js';
import { BoundPortServerGrpc } from './bound-port-server-grpc.js';
import { grpcAccessLog } from './grpc-access-log.js';
import { memoizeRepeatedResponseFields } from './memoized-response-serializer.js';
import { REFLECTION_SERVICES, ServerReflection } from './reflection/server-reflection.js';
import { markUndecodableRequests } from './undecodable-request.guard.js';

/** The services this process implements (besides reflection and health). */
export const GRPC_SERVICES = ['rustbill.integration.IntegrationService', 'rustbill.notification.NotificationService', 'switchboard.events.v1.EventService'] as const;

/** Every service the port answers, as server reflection lists them. */
export const SERVED_SERVICES = [...GRPC_SERVICES, 'grpc.health.v1.Health', ...REFLECTION_SERVICES] as const;

/** The packages of GRPC_SERVICES, which Nest routes @GrpcMethod handlers of. */
const GRPC_PACKAGES = ['rustbill.integration', 'rustbill.notification', 'switchboard.events.v1'];

/** RustBill's wire contract, then Switchboard's own additions (proto/switchboard/...). */
export const PROTO_FILES = [
  join(PROTO_DIR, 'rustbill', 'integration.proto'),
  join(PROTO_DIR, 'rustbill', 'notification.proto'),
  join(PROTO_DIR, 'switchboard', 'events', 'v1', 'events.proto'),
];

/**
 * proto-loader options shared by the server and by clients built from proto/ (tests, CLI):
 * snake_case field names exactly as in the proto, int64 as strings, enums as names,
 * and `optional` fields present only when set.
 */
export const PROTO_LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

/**
 * The gRPC transport of the hybrid app, on GRPC_PORT: native gRPC, gRPC-Web (HTTP/1.1 and h2c),
 * CORS and GET /health on one listener (docs/grpc-web.md). Nest routes the rustbill.* and switchboard.* services to controllers; the
 * same grpc-js server also carries server reflection from buf's descriptors of proto/ (so grpcurl and
 * buf curl need no .proto files; docs/grpc-reflection.md) and the
 * standard grpc.health.v1.Health service. Each call runs inside a RequestContext with its trace id,
 * and each call that ends OK writes its access line from the grpc-js layer (grpcAccessLog).
 */
export class SwitchboardGrpcServer {
  readonly health = new HealthImplementation({ '': 'NOT_SERVING', ...Object.fromEntries(GRPC_SERVICES.map((s) => [s, 'NOT_SERVING'])) });
  // Read at construction: a missing set, or one lacking a served service, stops the boot.
  private readonly reflection = ServerReflection.fromFile(PROTO_DESCRIPTOR_SET, SERVED_SERVICES);
  private server: Server | null = null;
  readonly strategy: BoundPortServerGrpc;

  /** `health`: the body of GET /health on the gRPC port (the HTTP port's liveness answer). */
  constructor(config: AppConfig, logger: Logger, calls: CallMetrics, health: () => unknown) {
    const options: GrpcOptions['options'] = {
      package: GRPC_PACKAGES,
      protoPath: PROTO_FILES,
      loader: PROTO_LOADER_OPTIONS,
      maxReceiveMessageLength: config.grpc.maxMessageBytes,
      maxSendMessageLength: config.grpc.maxMessageBytes,
      gracefulShutdown: true,
      onLoadPackageDefinition: (pkg: object, server: Server) => {
        this.server = server;
        markUndecodableRequests(pkg as Record<string, unknown>, GRPC_SERVICES);
        memoizeRepeatedResponseFields(pkg as Record<string, unknown>, GRPC_SERVICES);
        this.reflection.addToServer(server);
        this.health.addToServer(server);
      },
    };
    this.strategy = new BoundPortServerGrpc(options, [grpcAccessLog(logger, calls, GRPC_SERVICES)], {
      host: config.host,
      port: config.grpc.port,
      corsOrigins: config.cors.origins,
      readTimeoutMs: config.grpc.readTimeoutMs,
      health,
      logger,
    });
    this.strategy.setOnProcessingStartHook((_transport, context, done) => {
      const call = context as { metadata?: { get(key: string): unknown[] }; operationId?: string; path?: string };
      const incoming = call.metadata?.get('x-trace-id')[0] ?? call.metadata?.get('x-request-id')[0];
      return runWithContext(
        { traceId: acceptOrCreateTraceId(incoming?.toString()), transport: 'grpc', operation: call.path ?? call.operationId ?? 'unknown', startedAt: Date.now() },
        done,
      );
    });
  }

  /** The port gRPC listens on (the OS's choice when GRPC_PORT=0); known once the app has started. */
  get port(): number {
    const port = this.strategy.boundPort;
    if (port === null) throw new Error('the gRPC server is not bound yet');
    return port;
  }

  setServing(serving: boolean): void {
    const status = serving ? 'SERVING' : 'NOT_SERVING';
    this.health.setStatus('', status);
    for (const service of GRPC_SERVICES) this.health.setStatus(service, status);
  }

  /** Ends calls still open after the grace period (e.g. Health/Watch streams) so shutdown completes. */
  forceShutdown(): void {
    this.server?.forceShutdown();
    this.strategy.forceCloseConnections();
  }
}
