import type { Http2Server } from 'node:http2';
import { connect, isIPv6 } from 'node:net';
import { Server, ServerCredentials, type ChannelOptions, type deserialize as Deserialize, type serialize as Serialize, type ServerInterceptor } from '@grpc/grpc-js';
import type { HandleCall } from '@grpc/grpc-js/build/src/server-call.js';
import { ServerGrpc, type GrpcOptions } from '@nestjs/microservices';
import type { Logger } from 'pino';
import { CorsPolicy } from './web/cors-policy.js';
import { GrpcPortListener, routeHttp2Streams } from './web/grpc-port-listener.js';
import { GrpcWebGateway } from './web/grpc-web-gateway.js';

/** What the gRPC port serves besides native gRPC: gRPC-Web, CORS and GET /health. */
export interface GrpcPortOptions {
  host: string;
  port: number;
  corsOrigins: readonly string[];
  readTimeoutMs: number;
  /** The liveness answer for GET /health (the HTTP port's, reused). */
  health: () => unknown;
  logger: Logger;
}

/**
 * grpc-js's Server, remembering the handler type of every path it registers (public `register`,
 * which addService and the reflection/health services all go through), so the gRPC-Web gateway
 * can refuse streaming methods up front.
 */
class MethodTypeRecordingServer extends Server {
  readonly methodTypes = new Map<string, string>();

  override register<RequestType, ResponseType>(
    name: string,
    handler: HandleCall<RequestType, ResponseType>,
    serialize: Serialize<ResponseType>,
    deserialize: Deserialize<RequestType>,
    type: string,
  ): boolean {
    this.methodTypes.set(name, type);
    return super.register(name, handler, serialize, deserialize, type);
  }
}

/**
 * Nest's gRPC strategy, serving GRPC_PORT through one listener of our own (GrpcPortListener):
 * native gRPC connections are injected into grpc-js (`Server#createConnectionInjector`, public
 * since grpc-js 1.10), HTTP/1.1 ones and non-gRPC HTTP/2 streams go to the gRPC-Web gateway, which
 * calls the same grpc-js server in-process. It keeps the bound port, so GRPC_PORT=0 (the OS picks:
 * tests, several instances on one machine) can be read back. Nest's own `createClient` builds and
 * binds a server from the same options (channel options, message size caps, keepalive) but drops
 * that number; this one adds grpc-js server interceptors (the access log).
 */
export class BoundPortServerGrpc extends ServerGrpc {
  private port: number | null = null;
  private listener: GrpcPortListener | null = null;
  private gateway: GrpcWebGateway | null = null;

  constructor(
    private readonly grpcOptions: GrpcOptions['options'],
    private readonly interceptors: ServerInterceptor[],
    private readonly portOptions: GrpcPortOptions,
  ) {
    super(grpcOptions);
  }

  /** The port the server listens on; null until it is bound. */
  get boundPort(): number | null {
    return this.port;
  }

  override async createClient(): Promise<Server> {
    const options = this.grpcOptions;
    const channelOptions: ChannelOptions = { ...options.channelOptions };
    if (options.maxSendMessageLength) channelOptions['grpc.max_send_message_length'] = options.maxSendMessageLength;
    if (options.maxReceiveMessageLength) channelOptions['grpc.max_receive_message_length'] = options.maxReceiveMessageLength;
    if (options.maxMetadataSize) channelOptions['grpc.max_metadata_size'] = options.maxMetadataSize;
    const server = new MethodTypeRecordingServer({ ...channelOptions, ...this.getKeepaliveOptions(), interceptors: this.interceptors });
    // Cleartext only: the listener sniffs plaintext HTTP/1.1 from HTTP/2 (TLS is a proxy's job).
    const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
    const { portOptions } = this;
    this.gateway = new GrpcWebGateway({
      maxMessageBytes: options.maxReceiveMessageLength ?? 4 * 1024 * 1024,
      readTimeoutMs: portOptions.readTimeoutMs,
      cors: new CorsPolicy(portOptions.corsOrigins),
      health: portOptions.health,
      methodType: (path) => server.methodTypes.get(path),
      // Loopback TCP rather than an in-memory stream pair: Node's HTTP/2 over a JS stream
      // (JSStreamSocket) cost more CPU per call than the kernel's loopback (docs/grpc-web.md).
      connectUpstream: () => connect({ port: this.port ?? 0, host: loopbackHostFor(portOptions.host), noDelay: true }),
      logger: portOptions.logger,
    });
    routeHttp2Streams(injectorHttp2Server(server), this.gateway);
    this.listener = new GrpcPortListener({ host: portOptions.host, port: portOptions.port, readTimeoutMs: portOptions.readTimeoutMs }, this.gateway, (socket) =>
      injector.injectConnection(socket),
    );
    this.port = await this.listener.listen();
    return server;
  }

  /** Stops accepting, then lets grpc-js drain its calls (Nest's graceful tryShutdown). */
  override async close(): Promise<void> {
    const closed = this.listener?.close();
    this.gateway?.close();
    await super.close();
    await closed;
  }

  /** Cuts what is still open after the grace period: HTTP/1.1 connections (grpc-js cuts its own). */
  forceCloseConnections(): void {
    this.listener?.closeAllConnections();
  }
}

/** Where this process reaches its own listener: the bound address, or loopback for a wildcard. */
function loopbackHostFor(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || (isIPv6(host) && /^[0:]+$/.test(host))) return '::1';
  return host;
}

/**
 * The HTTP/2 server grpc-js created for the connection injector, whose 'stream' handler is
 * grpc-js's. The injector does not expose it; grpc-js keeps it in `http2Servers` (the map its
 * shutdown walks), inserted last by createConnectionInjector. Checked, so a grpc-js release that
 * moves it fails at boot (and in every gRPC test), not at the first gRPC-Web call.
 */
function injectorHttp2Server(server: Server): Http2Server {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  const last = servers instanceof Map ? [...(servers as Map<unknown, unknown>).keys()].at(-1) : undefined;
  if (typeof (last as Partial<Http2Server> | undefined)?.listeners !== 'function') {
    throw new Error('cannot find the HTTP/2 server of grpc-js\'s connection injector (Server#http2Servers): the gRPC-Web routing needs updating for this grpc-js version');
  }
  return last as Http2Server;
}
